import { ServerResponse, type IncomingMessage } from 'node:http';
import { TraceFlags, type Span } from '@opentelemetry/api';

/**
 * Names the SERVER span in the response, as `traceresponse` (W3C Trace Context Level 3 draft) and
 * as a Server-Timing entry, so that the caller can link to it. The flags are the span's own: `01`
 * when it is sampled, `00` when it is recorded but will not be exported. As instrumentation-http's
 * `responseHook`, it runs as the SERVER span starts, before the app; the response to an outgoing
 * request (an IncomingMessage) is left alone.
 */
export function traceResponse(span: Span, response: ServerResponse | IncomingMessage): void {
  if (!(response instanceof ServerResponse) || !span.isRecording()) return;
  const { traceId, spanId, traceFlags } = span.spanContext();
  const flags = traceFlags === TraceFlags.SAMPLED ? '01' : traceFlags.toString(16).padStart(2, '0');
  const traceparent = `00-${traceId}-${spanId}-${flags}`;
  response.setHeader('traceresponse', traceparent);
  response.appendHeader('Server-Timing', `traceparent;desc="${traceparent}"`);
}
