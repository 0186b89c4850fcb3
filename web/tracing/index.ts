// The page's tracing: call startTracing first thing in the page's entry, before anything calls fetch.
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { defaultTracesUrl, TRACING_DEFAULTS, type TracingOptions } from './options.ts';
import { tracePageErrors } from './page-errors.ts';
import { scrubUrlFull, urlScrubber } from './scrub-urls.ts';
import { SendWhenTraceEnds } from './send-when-trace-ends.ts';
import { startSessions } from './sessions.ts';
import { traceHeaderUrls } from './trace-header-urls.ts';
import { traceWebVitals } from './web-vitals.ts';

export type { TracingOptions } from './options.ts';

// The exporter retries a batch 5 times over about 13 s, but only within its timeout (10 s by
// default): 20 s lets the page's spans ride out a collector restart of about 10 s.
const EXPORT_TIMEOUT_MS = 20_000;

/**
 * Traces the page's fetch calls and its load, and sends the spans to `tracesUrl`. Registers the
 * tracer provider, the context manager and the W3C propagators; resolves once spans can start.
 */
export async function startTracing({
  serviceName,
  tracesUrl = defaultTracesUrl(location.origin),
  traceHeaderOrigins = [],
  ignoreUrls = [],
  batchDelayMs = TRACING_DEFAULTS.batchDelayMs,
  session = TRACING_DEFAULTS.session,
  redactQueryParams = [],
  sessionSampleRatio = TRACING_DEFAULTS.sessionSampleRatio,
  onDocumentLoad,
}: TracingOptions): Promise<void> {
  // Credentials and the values of sensitive query parameters become REDACTED in each URL the spans
  // record, through each instrumentation's hook, before the span ends (scrub-urls.ts).
  const scrub = urlScrubber(redactQueryParams);
  const scrubSpan = scrubUrlFull(scrub);
  // Optional, Web Vitals: LCP, INP, CLS, FCP and TTFB, each a span under documentLoad (web-vitals.ts).
  const webVitals = traceWebVitals(scrub);
  registerInstrumentations({
    instrumentations: [
      new FetchInstrumentation({
        propagateTraceHeaderCorsUrls: traceHeaderUrls(traceHeaderOrigins),
        ignoreUrls,
        requestHook: scrubSpan,
        // A request that got no answer at all (server down, CORS refused) has no HTTP status,
        // and the instrumentation would leave its span UNSET. The browser's message may name the URL.
        applyCustomAttributesOnSpan: (span, _request, result) => {
          if (result instanceof Error) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: scrub(result.message) });
            span.setAttribute(ATTR_ERROR_TYPE, result.name);
          }
        },
      }),
      // Optional, the page load: after `load`, documentLoad (continuing the trace that the HTML's
      // <meta name="traceparent"> names, if any), documentFetch and resourceFetch.
      new DocumentLoadInstrumentation({
        applyCustomAttributesOnSpan: {
          documentLoad: (span) => {
            scrubSpan(span);
            webVitals.recordUnder(span);
            onDocumentLoad?.(span);
          },
          documentFetch: scrubSpan,
          resourceFetch: scrubSpan,
        },
      }),
    ],
  });

  // The exporter's fetch uses keepalive, and the batch processor flushes when the page is hidden or
  // left: ended spans are not lost with the batch delay still running.
  const batch = new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl, timeoutMillis: EXPORT_TIMEOUT_MS }), {
    scheduledDelayMillis: batchDelayMs,
    // 10 spans a request, a few KB: well under a browser receiver's body limit (30,000 bytes in
    // hello-trace's collector and relay).
    maxExportBatchSize: 10,
  });
  // Optional, sessions: session.id on every span, one session per browser profile until it is idle or
  // old, and each session's traces kept or dropped whole (sessions.ts, session-store.ts, session-sampler.ts).
  const sessions = await startSessions(session, sessionSampleRatio);
  const provider = new WebTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    // Optional with sessions (without them, leave it out: the default follows a parent, keeps the rest).
    sampler: sessions.sampler,
    spanProcessors: [
      // Optional with sessions. First, so that each span has its session.id before it is batched.
      sessions.spanProcessor,
      // Optional, SendWhenTraceEnds: a trace's spans go as soon as its last span ends, rather than
      // after the batch delay (without it, pass `batch` alone).
      new SendWhenTraceEnds(batch),
    ],
    // Values cut to 8 KiB, as the collector cuts them: a stack trace keeps its frames, and no value is
    // too large for Jaeger to store.
    spanLimits: { attributeValueLengthLimit: 8192 },
  });
  // Fetch is patched already; its spans start now.
  provider.register();
  // Optional, page errors: uncaught errors and unhandled rejections as pageError spans, at most 10 a minute.
  tracePageErrors(scrub);
}
