// A rate for each client and a ceiling for all of them together, in memory (no Redis or other
// store): past the client's rate a 429, past the ceiling a 503, each with Retry-After, which
// browsers' and OTLP exporters' retries wait out. A client is refused before it takes anything
// from the ceiling, so that one client's flood leaves the others their share.
import type { IncomingMessage } from 'node:http';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { readCount, type Env } from '@hello-trace/env';
import type { ClientKey } from './client.ts';
import type { RefusalLog } from './refusals.ts';

/** How long the burst above a client's rate takes to come back. */
const BURST_SECONDS = 10;

export interface Rate {
  /** Requests a second from one client. */
  perClient: number;
  /** Requests one client may send at once, the rate included. */
  burst: number;
  /** Requests a second from all clients together. */
  total: number;
}

/**
 * The rate in `<prefix>_RATE`, `<prefix>_BURST` and `<prefix>_TOTAL_RATE`, each defaulting to
 * `defaults`; throws an error naming the variable when one is malformed or they disagree.
 */
export function readRate(env: Env, prefix: string, defaults: Rate): Rate {
  const perClient = readCount(env, `${prefix}_RATE`, defaults.perClient);
  const burst = readCount(env, `${prefix}_BURST`, defaults.burst);
  const total = readCount(env, `${prefix}_TOTAL_RATE`, defaults.total);
  if (burst < perClient) throw new Error(`${prefix}_BURST (${burst}) must be at least ${prefix}_RATE (${perClient})`);
  if (total < perClient) {
    throw new Error(`${prefix}_TOTAL_RATE (${total}) must be at least ${prefix}_RATE (${perClient})`);
  }
  return { perClient, burst, total };
}

/** An answer to a request that came too soon: its status, Retry-After in seconds, and a sentence. */
export interface Refusal {
  status: 429 | 503;
  retryAfterSeconds: number;
  text: string;
}

/** The rate of the requests to one place, such as `GET /hello`, each counted for its client. */
export class ClientRate {
  readonly #place: string;
  readonly #clientKey: ClientKey;
  readonly #refusals: RefusalLog;
  readonly #perClient: BurstyRateLimiter;
  readonly #total: RateLimiterMemory;

  constructor(
    place: string,
    { perClient, burst, total }: Rate,
    { clientKey, refusals }: { clientKey: ClientKey; refusals: RefusalLog },
  ) {
    this.#place = place;
    this.#clientKey = clientKey;
    this.#refusals = refusals;
    this.#perClient = new BurstyRateLimiter(
      new RateLimiterMemory({ points: perClient, duration: 1 }),
      new RateLimiterMemory({ points: burst - perClient, duration: BURST_SECONDS }),
    );
    this.#total = new RateLimiterMemory({ points: total, duration: 1 });
  }

  /** Counts `request`; resolves with the refusal to answer, already counted and logged, when it came too soon. */
  async check(request: IncomingMessage): Promise<Refusal | undefined> {
    const client = this.#clientKey(request);
    const [status, who, msBeforeNext] = await this.#wait(client);
    if (msBeforeNext === undefined) return undefined;
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    this.#refusals.count(`${status} ${this.#place}: past the rate of ${who}`, client);
    return { status, retryAfterSeconds, text: `too many requests from ${who}: try again in ${retryAfterSeconds} s` };
  }

  /** Which rate `client` is past, and for how long; no wait when it is past neither. */
  async #wait(client: string): Promise<[status: 429 | 503, who: string, msBeforeNext: number | undefined]> {
    const clientWait = await msUntilNextPoint(this.#perClient, client);
    if (clientWait !== undefined) return [429, 'this client', clientWait];
    return [503, 'all clients', await msUntilNextPoint(this.#total, 'all')];
  }
}

/** Takes a point of `key`; resolves with how long until the next one when none is left. */
async function msUntilNextPoint(
  limiter: BurstyRateLimiter | RateLimiterMemory,
  key: string,
): Promise<number | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    return error.msBeforeNext;
  }
}
