// What a server refused, or failed to answer, counted and logged in one line at most every 10 s:
// each kind with its count, and the clients that caused most, so that a flood neither floods the log
// nor goes unseen.

/** The clients named in each line. */
const TOP_CLIENTS = 3;
/** Clients counted in one interval; any more are counted together, so that the counts stay small. */
const MAX_CLIENTS = 10_000;
const REPORT_EVERY_MS = 10_000;

export class RefusalLog {
  readonly #name: string;
  readonly #reportEveryMs: number;
  readonly #kinds = new Map<string, number>();
  readonly #clients = new Map<string, number>();
  #reporting = false;

  /** `name` opens each line: the process, such as hello-page. */
  constructor(name: string, { reportEveryMs = REPORT_EVERY_MS }: { reportEveryMs?: number } = {}) {
    this.#name = name;
    this.#reportEveryMs = reportEveryMs;
  }

  /**
   * Counts one refusal or failure of `kind` (what was answered and why, such as
   * `429 /v1/traces: past this client's rate`) from the client `client` (see client.ts).
   */
  count(kind: string, client: string): void {
    this.#kinds.set(kind, (this.#kinds.get(kind) ?? 0) + 1);
    const key = this.#clients.has(client) || this.#clients.size < MAX_CLIENTS ? client : 'other clients';
    this.#clients.set(key, (this.#clients.get(key) ?? 0) + 1);
    if (this.#reporting) return;
    this.#reporting = true;
    setTimeout(() => this.#log(), this.#reportEveryMs).unref();
  }

  #log(): void {
    const total = [...this.#kinds.values()].reduce((sum, count) => sum + count, 0);
    const kinds = [...this.#kinds].map(([kind, count]) => `${count} × ${kind}`).join(', ');
    const top = [...this.#clients]
      .toSorted(([, a], [, b]) => b - a)
      .slice(0, TOP_CLIENTS)
      .map(([client, count]) => `${client} (${count})`)
      .join(', ');
    console.error(
      `${this.#name} refused or failed ${total} request${total === 1 ? '' : 's'} in the last ${this.#reportEveryMs / 1000} s: ${kinds}; most from ${top}`,
    );
    this.#kinds.clear();
    this.#clients.clear();
    this.#reporting = false;
  }
}
