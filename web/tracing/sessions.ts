// session.id on the page's spans: web-common's SessionManager, keeping its session in an
// ActivitySessionStore, and its span processor. The id stays in the spans: it is never sent to the
// server, neither as baggage nor as a header. And the sampler that keeps or drops each session whole.
import type { Sampler, SpanProcessor } from '@opentelemetry/sdk-trace-web';
import {
  createDefaultSessionIdGenerator,
  createSessionManager,
  createSessionSpanProcessor,
  type SessionProvider,
} from '@opentelemetry/web-common';
import { sessionSampler } from './session-sampler.ts';
import { ActivitySessionStore, type SessionLimits } from './session-store.ts';

/**
 * Reads the stored session or starts one, and returns the span processor that puts its id on every
 * span: put it first in the provider's span processors, so that each span has its session.id before
 * it is batched. A session ends after `limits` (in seconds; without them it would never end). And
 * the provider's sampler, which keeps `sampleRatio` of the sessions (session-sampler.ts).
 */
export async function startSessions(
  limits: SessionLimits,
  sampleRatio: number,
): Promise<{ spanProcessor: SpanProcessor; sampler: Sampler }> {
  const sessionStore = new ActivitySessionStore(limits);
  const manager = createSessionManager({
    sessionIdGenerator: createDefaultSessionIdGenerator(),
    sessionStore,
    ...limits,
  });
  await manager.start();
  const sessions = withActivity(manager, sessionStore);
  return {
    spanProcessor: createSessionSpanProcessor(sessions),
    sampler: sessionSampler(sessions, sessionStore, sampleRatio),
  };
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
