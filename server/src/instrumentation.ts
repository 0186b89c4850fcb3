// Preloaded with `node --import` so that tracing starts before the app loads express and http.
// Everything else (service name, exporter, sampler, propagators) comes from the OTEL_* variables.
import { ServerResponse } from 'node:http';
import { register } from 'node:module';
import { isSpanContextValid } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

// The app is an ES module: this hook lets the instrumentations patch modules it imports.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const sdk = new NodeSDK({
  instrumentations: [
    new HttpInstrumentation({
      // Health checks and CORS preflights carry no trace context; tracing them would
      // only add a root trace per request. Preflights are cached by the browser instead.
      ignoreIncomingRequestHook: (request) => request.method === 'OPTIONS' || request.url === '/healthz',
      // Runs as the SERVER span starts, before the app: names that span in the response, as
      // `traceresponse` (W3C Trace Context Level 3 draft) and as a Server-Timing entry.
      responseHook: (span, response) => {
        if (!(response instanceof ServerResponse) || !isSpanContextValid(span.spanContext())) return;
        const { traceId, spanId, traceFlags } = span.spanContext();
        const traceparent = `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
        response.setHeader('traceresponse', traceparent);
        response.appendHeader('Server-Timing', `traceparent;desc="${traceparent}"`);
      },
    }),
    new ExpressInstrumentation(),
  ],
});
sdk.start();

// Without this, a failed export prints nothing (or, with OTEL_LOG_LEVEL set, a JSON blob).
const endpoint =
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318';
setGlobalErrorHandler((error) => {
  const reason = error instanceof Error ? error.message : String(error);
  console.error(`OpenTelemetry: ${reason}. Spans go to ${endpoint}: is the collector running? Requests are still served.`);
});

// The app owns SIGTERM/SIGINT and drains its requests; once nothing is left to run, flush the spans.
process.once('beforeExit', () => {
  sdk.shutdown().catch((error: unknown) => console.error('OpenTelemetry shutdown failed:', error));
});
