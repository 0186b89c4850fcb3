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
    // Straight to the collector, whose CORS must allow this page's origin. The browser's batch
    // processor also flushes when the page is hidden or left, and the exporter's fetch keepalive
    // outlives the page, so ended spans are not lost with the batch delay still running.
    // 500 ms instead of the SDK's 5 s between exports, so that the trace is complete soon after the click.
    new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.otlpTracesUrl, timeoutMillis: EXPORT_TIMEOUT_MS }), {
      scheduledDelayMillis: settings.batchDelayMs,
    }),
  ],
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
