// Sampling per session: every trace of a session is kept, or none, page loads and clicks alike, and
// the traceparent that fetch sends carries the decision (flags 01 or 00) for the servers to follow.
// The decision is stored with the session (session-store.ts), not derived from its id: a page load
// whose HTML names its server's span (<meta name="traceparent">) was decided by that server before
// the page ran, from the session's cookie or, for a new visitor, by its own draw, and a new session
// must take that decision, which no function of a fresh session id could give.
import { TraceFlags } from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { ParentBasedSampler, SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-web';
import type { SessionProvider } from '@opentelemetry/web-common';
import type { ActivitySessionStore } from './session-store.ts';

/**
 * The provider's sampler. A span with a parent follows it: a click's fetch its click, documentLoad
 * the page server's span that the HTML names. A span without one (a click, a page error, a page load
 * that no server named) gets its session's decision. The session takes its decision once: from the
 * page load's traceparent, when the HTML has one, else the one stored with it, else a draw of
 * `ratio`; a session that starts while the page is open draws again.
 */
export function sessionSampler(
  sessions: SessionProvider,
  store: ActivitySessionStore,
  ratio: number,
  pageLoadSampled = pageLoadDecision(globalThis.document),
): Sampler {
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`sessionSampleRatio must be from 0 to 1, got ${ratio}`);
  const decision = () => store.sampled ?? store.decide(Math.random() < ratio);
  // Now, before any span, so that the cookie tells the next page load.
  if (pageLoadSampled === undefined) decision();
  else store.decide(pageLoadSampled);
  const root: Sampler = {
    shouldSample(): SamplingResult {
      // A span is the session's activity, kept or not: a dropped session lasts as long as a kept one.
      sessions.getSessionId();
      return { decision: decision() ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
    },
    toString: () => `SessionSampler{ratio=${ratio}}`,
  };
  return new ParentBasedSampler({ root });
}

/** Whether the HTML's `<meta name="traceparent">` says sampled; undefined when it has none. */
export function pageLoadDecision(document: Pick<Document, 'querySelector'> | undefined): boolean | undefined {
  const content = document?.querySelector<HTMLMetaElement>('meta[name="traceparent"]')?.content;
  // Parsed as the W3C propagator that documentLoad continues it with parses it.
  const parent = content === undefined ? null : parseTraceParent(content);
  return parent ? (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED : undefined;
}
