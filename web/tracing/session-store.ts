// Where web-common's SessionManager keeps the session between page loads: localStorage, with the
// time of the session's last span. The stock localStorage store hands back a stored session however
// long ago its last span was (the manager then checks only its maximum duration); this one hands
// back no session once it has been idle past the inactivity timeout or has reached its maximum
// duration, so that the manager starts a new one, across reloads too.
import type { Session, SessionStore } from '@opentelemetry/web-common';

const KEY = 'otel-web-session';

/** In seconds, as the SessionManager takes them. */
export interface SessionLimits {
  inactivityTimeout: number;
  maxDuration: number;
}

interface StoredSession extends Session {
  lastActivity: number;
}

type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem'>;

export class ActivitySessionStore implements SessionStore {
  readonly #limits: SessionLimits;
  readonly #storage: KeyValueStorage | undefined;
  #session: Session | undefined;

  constructor(limits: SessionLimits, storage: KeyValueStorage | undefined = browserStorage()) {
    this.#limits = limits;
    this.#storage = storage;
  }

  async get(): Promise<Session | null> {
    const stored = this.#read();
    if (!stored) return null;
    const now = Date.now();
    const idle = now - stored.lastActivity >= this.#limits.inactivityTimeout * 1000;
    const old = now - stored.startTimestamp >= this.#limits.maxDuration * 1000;
    if (idle || old) return null;
    this.#session = { id: stored.id, startTimestamp: stored.startTimestamp };
    return this.#session;
  }

  async save(session: Session): Promise<void> {
    this.#session = session;
    this.#write({ ...session, lastActivity: Date.now() });
  }

  /** Notes now as the current session's last activity. */
  noteActivity(): void {
    if (this.#session) this.#write({ ...this.#session, lastActivity: Date.now() });
  }

  #read(): StoredSession | undefined {
    try {
      const value: unknown = JSON.parse(this.#storage?.getItem(KEY) ?? 'null');
      return isStoredSession(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  #write(session: StoredSession): void {
    try {
      this.#storage?.setItem(KEY, JSON.stringify(session));
    } catch {
      // Storage full or refused: the session lasts as long as this page.
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
    Number.isFinite(session.lastActivity)
  );
}
