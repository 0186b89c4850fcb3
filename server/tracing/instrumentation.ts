// Preloaded with `node --import` so that tracing starts before the app loads http and express.
// Everything else (service name, exporter, sampler, propagators, batching) comes from the OTEL_* variables.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { flushOnExit } from './flush-on-exit.ts';
import { officialInstrumentations } from './official-instrumentations.ts';
import { outgoingCalls } from './outgoing-calls.ts';
import { patientExporter } from './patient-exporter.ts';
import { logErrorsPlainly } from './plain-errors.ts';
import { traceIncomingRequests, type ServerSpanHooks } from './server-span.ts';
import { traceResponse } from './trace-response.ts';

// The SERVER span of each request, ours or the official one: which requests get none, what it adds.
const serverSpans: ServerSpanHooks = {
  // Health checks and CORS preflights carry no trace context: each would only add a root trace.
  isUntraced: (request) => request.method === 'OPTIONS' || request.url === '/healthz',
  // Names the SERVER span in the answer (traceresponse, Server-Timing), so that the page can link to it.
  onStart: traceResponse,
};
// OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,express: the official SERVER span, and Express's spans.
const official = await officialInstrumentations(serverSpans);
// Tries a batch again while the collector is away, instead of dropping it after 5 retries.
const traceExporter = await patientExporter();

const sdk = new NodeSDK({
  traceExporter,
  // Outgoing http requests and fetch, each a CLIENT span that carries the trace on.
  instrumentations: [...official, ...outgoingCalls(official)],
});
sdk.start();

// Our own SERVER span of each request: the spans instrumentation-http gives, at a fraction of its cost.
if (official.length === 0) traceIncomingRequests(serverSpans);
// The SDK's errors, such as a failed export, in one plain line that names where spans go.
logErrorsPlainly();
// Sends the last spans once the app has drained, or at once on SIGTERM/SIGINT if the app has no handler.
flushOnExit(sdk, { onSignal: () => traceExporter?.stopWaiting() });
