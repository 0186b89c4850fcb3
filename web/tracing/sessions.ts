// session.id on the page's spans: web-common's SessionManager, keeping its session in an
// ActivitySessionStore, and its span processor. The id stays in the spans: it is never sent to the
// server, neither as baggage nor as a header.
import type { SpanProcessor } from '@opentelemetry/sdk-trace-web';
import {
  createDefaultSessionIdGenerator,
  createSessionManager,
  createSessionSpanProcessor,
  type SessionProvider,
} from '@opentelemetry/web-common';
import { ActivitySessionStore, type SessionLimits } from './session-store.ts';

/**
 * Reads the stored session or starts one, and returns the span processor that puts its id on every
 * span: put it first in the provider's span processors, so that each span has its session.id before
 * it is batched. A session ends after `limits` (in seconds; without them it would never end).
 */
export async function startSessions(limits: SessionLimits): Promise<SpanProcessor> {
  const sessionStore = new ActivitySessionStore(limits);
  const manager = createSessionManager({
    sessionIdGenerator: createDefaultSessionIdGenerator(),
    sessionStore,
    ...limits,
  });
  await manager.start();
  return createSessionSpanProcessor(withActivity(manager, sessionStore));
}

/**
 * The manager's session id for each span, the span noted as the session's last activity: the
 * manager counts spans as activity too, for its inactivity timer within the page.
 */
export function withActivity(sessions: SessionProvider, store: ActivitySessionStore): SessionProvider {
  return {
    getSessionId() {
      const id = sessions.getSessionId();
      store.noteActivity();
      return id;
    },
  };
}
