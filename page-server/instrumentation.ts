// Preloaded with `node --import`: the page server's SERVER span of each page load, with the server's
// tracing modules. Everything else (service name, exporter, sampler) comes from the OTEL_* variables.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { flushOnExit } from '../server/src/tracing/flush-on-exit.ts';
import { patientExporter } from '../server/src/tracing/patient-exporter.ts';
import { logErrorsPlainly } from '../server/src/tracing/plain-errors.ts';
import { traceIncomingRequests } from '../server/src/tracing/server-span.ts';
import { traceResponse } from '../server/src/tracing/trace-response.ts';
import { isDocumentRequest } from './document.ts';

// Tries a batch again while the collector is away, instead of dropping it after 5 retries.
const traceExporter = await patientExporter();
const sdk = new NodeSDK({ traceExporter, instrumentations: [] });
sdk.start();

traceIncomingRequests({
  // Only the document starts a trace: its assets, health checks and the page's own polls do not.
  isUntraced: (request) => !isDocumentRequest(request),
  // A public edge: a visitor's traceparent neither joins someone else's trace nor switches tracing off.
  startsTrace: () => true,
  // Names the SERVER span in Server-Timing (and traceresponse); the page names it in its meta tag.
  onStart: traceResponse,
});
// The SDK's errors, such as a failed export, in one plain line that names where spans go.
logErrorsPlainly();
// Sends the last spans once the page server has drained, or at once on SIGTERM/SIGINT.
flushOnExit(sdk, { onSignal: () => traceExporter?.stopWaiting() });
