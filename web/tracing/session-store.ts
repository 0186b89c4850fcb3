// Where web-common's SessionManager keeps the session between page loads: localStorage, with the
// time of the session's last span. The stock localStorage store hands back a stored session however
// long ago its last span was (the manager then checks only its maximum duration); this one hands
// back no session once it has been idle past the inactivity timeout or has reached its maximum
// duration, so that the manager starts a new one, across reloads too. It also keeps the session's
// sampling decision (session-sampler.ts), and copies it into a cookie that ends when the session does,
// for the page's own server to read when it serves the next page load.
import type { Session, SessionStore } from '@opentelemetry/web-common';

const KEY = 'otel-web-session';
/** The cookie that tells the page's own server the session's decision: `1` kept, `0` dropped. */
const SAMPLED_COOKIE = 'otel-session-sampled';

/** In seconds, as the SessionManager takes them. */
export interface SessionLimits {
  inactivityTimeout: number;
  maxDuration: number;
}

interface StoredSession extends Session {
  lastActivity: number;
  /** Whether the session's traces are kept, once decided. */
  sampled?: boolean;
}

type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem'>;
/** What writes cookies: the page's document. */
type CookieJar = { cookie: string };

export class ActivitySessionStore implements SessionStore {
  readonly #limits: SessionLimits;
  readonly #storage: KeyValueStorage | undefined;
  readonly #cookies: CookieJar | undefined;
  readonly #secure: boolean;
  #session: Session | undefined;
  #sampled: boolean | undefined;

  constructor(
    limits: SessionLimits,
    storage: KeyValueStorage | undefined = browserStorage(),
    cookies: CookieJar | undefined = globalThis.document,
    secure = globalThis.location?.protocol === 'https:',
  ) {
    this.#limits = limits;
    this.#storage = storage;
    this.#cookies = cookies;
    this.#secure = secure;
  }

  async get(): Promise<Session | null> {
    const stored = this.#read();
    if (!stored) return null;
    const now = Date.now();
    const idle = now - stored.lastActivity >= this.#limits.inactivityTimeout * 1000;
    const old = now - stored.startTimestamp >= this.#limits.maxDuration * 1000;
    if (idle || old) return null;
    this.#session = { id: stored.id, startTimestamp: stored.startTimestamp };
    this.#sampled = stored.sampled;
    return this.#session;
  }

  async save(session: Session): Promise<void> {
    // A new session has no decision yet.
    if (session.id !== this.#session?.id) this.#sampled = undefined;
    this.#session = session;
    this.#write(session);
  }

  /** Notes now as the current session's last activity. */
  noteActivity(): void {
    if (this.#session) this.#write(this.#session);
  }

  /** The current session's sampling decision, once made. */
  get sampled(): boolean | undefined {
    return this.#sampled;
  }

  /** Keeps `sampled` as the current session's decision, and returns it. */
  decide(sampled: boolean): boolean {
    this.#sampled = sampled;
    if (this.#session) this.#write(this.#session);
    return sampled;
  }

  #read(): StoredSession | undefined {
    try {
      const value: unknown = JSON.parse(this.#storage?.getItem(KEY) ?? 'null');
      return isStoredSession(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores `session` with now as its last activity, and its decision in the cookie. */
  #write(session: Session): void {
    const now = Date.now();
    try {
      this.#storage?.setItem(KEY, JSON.stringify({ ...session, lastActivity: now, sampled: this.#sampled }));
    } catch {
      // Storage full or refused: the session lasts as long as this page.
    }
    // The cookie ends when the session would (rounded up: never before it), or at once while undecided.
    const endsInMs = Math.min(
      this.#limits.inactivityTimeout * 1000,
      session.startTimestamp + this.#limits.maxDuration * 1000 - now,
    );
    const maxAge = this.#sampled === undefined ? 0 : Math.max(0, Math.ceil(endsInMs / 1000));
    try {
      if (this.#cookies) {
        this.#cookies.cookie = `${SAMPLED_COOKIE}=${this.#sampled ? 1 : 0}; Max-Age=${maxAge}; Path=/; SameSite=Strict${this.#secure ? '; Secure' : ''}`;
      }
    } catch {
      // Cookies refused (a sandboxed frame): the page's server decides each page load by its ratio.
    }
  }
}

/** localStorage, or nothing where the browser refuses it (storage disabled, sandboxed frames). */
function browserStorage(): KeyValueStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

function isStoredSession(value: unknown): value is StoredSession {
  const session = value as Partial<StoredSession> | null;
  return (
    typeof session?.id === 'string' &&
    session.id.length > 0 &&
    Number.isFinite(session.startTimestamp) &&
    Number.isFinite(session.lastActivity) &&
    (session.sampled === undefined || typeof session.sampled === 'boolean')
  );
}
