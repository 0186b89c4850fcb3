// What startTracing takes: tracing settings only, each optional one with its default.
import type { Span } from '@opentelemetry/api';
import type { SessionLimits } from './session-store.ts';

export interface TracingOptions {
  /** service.name on every span. */
  serviceName: string;
  /** Where the spans go, as OTLP/HTTP JSON. Default: {@link defaultTracesUrl} of the page's origin. */
  tracesUrl?: string;
  /**
   * The origins whose requests carry `traceparent`, `tracestate` and `baggage`, such as
   * `https://api.example.com`: your server's, and no other. Default: none (the page's own origin
   * always gets them).
   */
  traceHeaderOrigins?: string[];
  /**
   * Requests that fetch does not trace, as the fetch instrumentation's `ignoreUrls` (a string matches
   * a whole URL). The exporter's own requests never are: it calls the fetch that the instrumentation wraps.
   */
  ignoreUrls?: (string | RegExp)[];
  /** Milliseconds between exports of the spans that have ended. */
  batchDelayMs?: number;
  /** When a session ends: after `inactivityTimeout` seconds without a span, or `maxDuration` seconds after it began. */
  session?: SessionLimits;
  /**
   * Query parameters whose values become REDACTED in every URL the spans record, besides
   * REDACTED_QUERY_PARAMS in scrub-urls.ts (`token`, `access_token`, `code`, `password`, `api_key` and
   * the semantic conventions' `sig`, `Signature`, …). Names are matched exactly. Default: none.
   */
  redactQueryParams?: string[];
  /**
   * The share of sessions whose traces are kept, from 0 to 1: each session is decided once, and all
   * its traces follow, as do the servers it calls. A page load that its server names in
   * `<meta name="traceparent">` gives its session that server's decision instead.
   */
  sessionSampleRatio?: number;
  /** Called with the documentLoad span before it ends, to add attributes or read its trace id. */
  onDocumentLoad?: (span: Span) => void;
}

export const TRACING_DEFAULTS = {
  batchDelayMs: 500,
  session: { inactivityTimeout: 30 * 60, maxDuration: 4 * 60 * 60 },
  sessionSampleRatio: 1,
} satisfies Partial<TracingOptions>;

/**
 * `/v1/traces` on the page's own origin, as the OpenTelemetry Demo sends it: a relay or proxy there
 * passes the spans on to the collector, and the browser needs no CORS for them.
 */
export function defaultTracesUrl(pageOrigin: string): string {
  return new URL('/v1/traces', pageOrigin).href;
}
