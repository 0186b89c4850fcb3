// The page's tracing, imported first by main.tsx so that fetch is patched before anything calls it.
import { SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { settings } from './settings.ts';
import { tracePageErrors } from './tracing/page-errors.ts';
import { notePageLoadSpan } from './tracing/page-load-trace.ts';
import { createSessions } from './tracing/sessions.ts';
import { SendWhenTraceEnds } from './tracing/send-when-trace-ends.ts';

// The exporter retries a batch 5 times over about 13 s, but only within its timeout (10 s by
// default): 20 s lets the page's spans ride out a collector restart of about 10 s.
const EXPORT_TIMEOUT_MS = 20_000;

// One session per browser profile until it is idle or old; its id goes on every span.
const sessions = createSessions(settings.session);

const provider = new WebTracerProvider({
  resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
  spanProcessors: [
    // First, so that each span has its session.id before it is batched.
    sessions.spanProcessor,
    // Straight to the collector's browser receiver, whose CORS must allow this page's origin. The
    // browser's batch processor also flushes when the page is hidden or left, and the exporter's fetch
    // keepalive outlives the page, so ended spans are not lost with the batch delay still running.
    // A trace's spans go as soon as its last span ends: a click's trace is complete right after the click.
    new SendWhenTraceEnds(
      new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.otlpTracesUrl, timeoutMillis: EXPORT_TIMEOUT_MS }), {
        scheduledDelayMillis: settings.batchDelayMs,
        // The collector refuses a request over 30,000 bytes: 10 spans of the page stay well under it.
        maxExportBatchSize: 10,
      }),
    ),
  ],
  // Values cut to 8 KiB, as the collector cuts them: a stack trace keeps its frames, and no value is
  // too large for Jaeger to store.
  spanLimits: { attributeValueLengthLimit: 8192 },
});

registerInstrumentations({
  instrumentations: [
    new FetchInstrumentation({
      // Trace headers go to our server only, never to other origins.
      propagateTraceHeaderCorsUrls: settings.traceHeaderUrls,
      // Requests to the page's own API on its page server (the trace view's polls) would otherwise
      // make traces of their own.
      ignoreUrls: settings.untracedUrls,
      // A request that got no answer at all (server down, CORS refused) has no HTTP status,
      // and the instrumentation would leave its span UNSET.
      applyCustomAttributesOnSpan: (span, _request, result) => {
        if (result instanceof Error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: result.message });
          span.setAttribute(ATTR_ERROR_TYPE, result.name);
        }
      },
    }),
    // After `load`: documentLoad (child of the HTML's meta traceparent), documentFetch, resourceFetch.
    new DocumentLoadInstrumentation({ applyCustomAttributesOnSpan: { documentLoad: notePageLoadSpan } }),
  ],
});

// Fetch is patched already; spans start once the provider is registered, after the session is read
// (from localStorage, within microseconds). Registers the context manager and W3C propagators.
await sessions.start();
provider.register();
// Uncaught errors and unhandled rejections as pageError spans, at most 10 a minute.
tracePageErrors();
