// Preloaded with `node --import` so that tracing starts before the app loads http and express.
// Everything else (service name, exporter, sampler, propagators, batching) comes from the OTEL_* variables.
import type { IncomingMessage } from 'node:http';
import { register as registerLoaderHooks } from 'import-in-the-middle/register-hooks.mjs';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { capCallerValues } from './caller-values.ts';
import { enabledInstrumentations } from './enabled-instrumentations.ts';
import { flushOnExit } from './flush-on-exit.ts';
import { patientExporter } from './patient-exporter.ts';
import { logErrorsPlainly } from './plain-errors.ts';
import { redactedQueryParams, scrubUrlAttributes } from './scrub-urls.ts';
import { traceIncomingRequests } from './server-span.ts';
import { readSwitch } from './settings.ts';
import { traceResponse } from './trace-response.ts';

// Optional: our own SERVER span instead of instrumentation-http's and instrumentation-express's, at about half their cost.
const leanServerSpan = readSwitch('TRACING_LEAN_SERVER_SPAN');
// Optional: tries a batch again while the collector is away, instead of dropping it after 5 retries.
const traceExporter = readSwitch('TRACING_PATIENT_EXPORTER') ? await patientExporter() : undefined;

// Credentials and the values of sensitive query parameters become REDACTED in each URL a span records;
// TRACING_REDACT_QUERY_PARAMS adds names to the list (scrub-urls.ts).
const redacted = redactedQueryParams();
const scrubUndiciUrls = scrubUrlAttributes(redacted);

// Health checks and CORS preflights carry no trace context: each would only add a root trace.
const isUntraced = (request: IncomingMessage) => request.method === 'OPTIONS' || request.url === '/healthz';

// The app is an ES module: this loader hook lets the instrumentations patch the modules it imports.
registerLoaderHooks();
const sdk = new NodeSDK({
  traceExporter,
  // OTEL_NODE_ENABLED_INSTRUMENTATIONS and OTEL_NODE_DISABLED_INSTRUMENTATIONS choose among these.
  instrumentations: enabledInstrumentations({
    // The SERVER span of each request, and a CLIENT span for each outgoing node:http request.
    http: () =>
      new HttpInstrumentation({
        ignoreIncomingRequestHook: isUntraced,
        disableIncomingRequestInstrumentation: leanServerSpan,
        // Its own redaction, in url.full and url.query, with our list instead of its built-in one.
        redactedQueryParams: redacted,
        redactedQueryParamsServer: redacted,
        // Optional: the values a caller chooses (query, user agent, addresses from headers) cut to 1 KiB.
        requestHook: capCallerValues,
        // Optional: names the SERVER span in the answer (traceresponse, Server-Timing), for the page to link to it.
        responseHook: traceResponse,
      }),
    // Names the SERVER span after the route (http.route), with no span per middleware or handler.
    express: leanServerSpan
      ? undefined
      : () => new ExpressInstrumentation({ ignoreLayersType: Object.values(ExpressLayerType) }),
    // A CLIENT span for each fetch, its URL scrubbed (undici redacts nothing itself) and its values cut to 1 KiB as above.
    undici: () =>
      new UndiciInstrumentation({
        requestHook: (span) => {
          scrubUndiciUrls(span);
          capCallerValues(span);
        },
      }),
  }),
});
sdk.start();

if (leanServerSpan) traceIncomingRequests({ isUntraced, onStart: traceResponse, redactedQueryParams: redacted });
// Optional: the SDK's errors, such as a failed export, in one plain line that names where spans go.
logErrorsPlainly();
// Sends the last spans once the app has drained, or at once on SIGTERM/SIGINT if the app has no handler.
flushOnExit(sdk, { onSignal: () => traceExporter?.stopWaiting() });
