// Whether a page load is traced, decided as the document's SERVER span starts, before the page runs:
// as the visitor's session decided, when the page's cookie says so (web/tracing/session-store.ts
// writes it, and it ends with the session); else, on a first visit or after the session has ended,
// by VITE_SESSION_SAMPLE_RATIO, the page's own ratio, and the page's new session then takes this
// decision from the document's <meta name="traceparent">. So the page server never keeps a page load
// whose session the page drops, nor drops one it keeps.
import type { IncomingMessage } from 'node:http';
import type { Attributes, Context, SpanKind } from '@opentelemetry/api';
import { ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace';
import { readRatio, type Env } from '@hello-trace/env';

/** The cookie the page writes: `1` when its session is kept, `0` when dropped. */
const SAMPLED_COOKIE = 'otel-session-sampled';

/** On the document's span: the session's decision, read from its cookie; absent when the ratio decided. */
export const ATTR_SESSION_SAMPLED = 'app.session.sampled';

/**
 * The session's decision in a Cookie header: one `otel-session-sampled` of `1` or `0`. Anything else
 * (another value, two that disagree) is no decision, and the ratio decides.
 */
export function sessionSampledOf(cookieHeader: string | undefined): boolean | undefined {
  const values = new Set<string>();
  for (const pair of (cookieHeader ?? '').split(';')) {
    const equals = pair.indexOf('=');
    if (equals !== -1 && pair.slice(0, equals).trim() === SAMPLED_COOKIE) values.add(pair.slice(equals + 1).trim());
  }
  const [value] = values;
  return values.size === 1 && (value === '1' || value === '0') ? value === '1' : undefined;
}

/** instrumentation-http's startIncomingSpanHook: the session's decision, for the sampler to read. */
export function sessionSampledAttributes(request: IncomingMessage): Attributes {
  const sampled = sessionSampledOf(request.headers.cookie);
  return sampled === undefined ? {} : { [ATTR_SESSION_SAMPLED]: sampled };
}

/** A root span follows its session's decision, or keeps `ratio` of the traces by trace id; a child follows its parent. */
export function sessionSampler(ratio: number): Sampler {
  const byRatio = new TraceIdRatioBasedSampler(ratio);
  const root: Sampler = {
    shouldSample(context: Context, traceId: string, _name: string, _kind: SpanKind, attributes: Attributes) {
      const sampled = attributes[ATTR_SESSION_SAMPLED];
      if (typeof sampled !== 'boolean') return byRatio.shouldSample(context, traceId);
      return { decision: sampled ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
    },
    toString: () => `SessionSampler{ratio=${ratio}}`,
  };
  return new ParentBasedSampler({ root });
}

/**
 * The page server's sampler: {@link sessionSampler} with VITE_SESSION_SAMPLE_RATIO, the ratio the page
 * is built with; none when OTEL_TRACES_SAMPLER names one, which then keeps its upstream meaning.
 * Throws an error naming the variable when the ratio is missing or malformed.
 */
export function pageLoadSampler(env: Env = process.env): Sampler | undefined {
  return env.OTEL_TRACES_SAMPLER ? undefined : sessionSampler(readRatio(env, 'VITE_SESSION_SAMPLE_RATIO'));
}
