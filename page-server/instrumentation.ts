// Preloaded with `node --import`: the page server's SERVER span of each page load, with the server's
// tracing modules. Everything else (service name, exporter, sampler) comes from the OTEL_* variables.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { flushOnExit } from '@hello-trace/node-tracing/flush-on-exit';
import { patientExporter } from '@hello-trace/node-tracing/patient-exporter';
import { logErrorsPlainly } from '@hello-trace/node-tracing/plain-errors';
import { traceIncomingRequests } from '@hello-trace/node-tracing/server-span';
import { traceResponse } from '@hello-trace/node-tracing/trace-response';
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
