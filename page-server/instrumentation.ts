// Preloaded with `node --import`: the page server's SERVER span of each page load, from the stock
// instrumentation-http, with the server's tracing modules, sampled as the visitor's session is. Everything
// else (service name, exporter; OTEL_PROPAGATORS=none, so that no visitor's traceparent is continued)
// comes from the OTEL_* variables.
import { register as registerLoaderHooks } from 'import-in-the-middle/register-hooks.mjs';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { Sampler } from '@opentelemetry/sdk-trace';
import { capCallerValues } from '@hello-trace/node-tracing/caller-values';
import { flushOnExit } from '@hello-trace/node-tracing/flush-on-exit';
import { patientExporter } from '@hello-trace/node-tracing/patient-exporter';
import { logErrorsPlainly } from '@hello-trace/node-tracing/plain-errors';
import { redactedQueryParams } from '@hello-trace/node-tracing/scrub-urls';
import { readSwitch } from '@hello-trace/node-tracing/settings';
import { traceResponse } from '@hello-trace/node-tracing/trace-response';
import { isDocumentRequest } from './document.ts';
import { pageLoadSampler, sessionSampledAttributes } from './session-sampling.ts';

// Optional: tries a batch again while the collector is away, instead of dropping it after 5 retries.
const traceExporter = readSwitch('TRACING_PATIENT_EXPORTER') ? await patientExporter() : undefined;

// Each page load as its session decided (session-sampling.ts); OTEL_TRACES_SAMPLER, when set, replaces it.
let sampler: Sampler | undefined;
try {
  sampler = pageLoadSampler();
} catch (error) {
  console.error(`hello-page server cannot start: ${(error as Error).message}`);
  process.exit(1);
}

// The page server is an ES module: this loader hook lets instrumentation-http patch the node:http it imports.
registerLoaderHooks();
const sdk = new NodeSDK({
  traceExporter,
  sampler,
  instrumentations: [
    new HttpInstrumentation({
      // Only the document starts a trace: its assets, health checks and the page's own polls do not.
      ignoreIncomingRequestHook: (request) => !isDocumentRequest(request),
      // The session's decision from the page's cookie, for the sampler.
      startIncomingSpanHook: sessionSampledAttributes,
      // Its own calls (the relay to the collector, Jaeger's API) belong to no page load.
      disableOutgoingRequestInstrumentation: true,
      // The values of sensitive query parameters become REDACTED in url.query; TRACING_REDACT_QUERY_PARAMS adds names.
      redactedQueryParamsServer: redactedQueryParams(),
      // The values a visitor chooses (query, user agent, addresses from headers) cut to 1 KiB.
      requestHook: capCallerValues,
      // Names the SERVER span in Server-Timing (and traceresponse); the page names it in its meta tag.
      responseHook: traceResponse,
    }),
  ],
});
sdk.start();

// The SDK's errors, such as a failed export, in one plain line that names where spans go.
logErrorsPlainly();
// Sends the last spans once the page server has drained, or at once on SIGTERM/SIGINT.
flushOnExit(sdk, { onSignal: () => traceExporter?.stopWaiting() });
