import type { ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';

/**
 * Names the SERVER span in the response, as `traceresponse` (W3C Trace Context Level 3 draft) and
 * as a Server-Timing entry, so that the caller can link to it. Unsampled spans are never recorded.
 */
export function traceResponse(span: Span, response: ServerResponse): void {
  if (!span.isRecording()) return;
  const { traceId, spanId } = span.spanContext();
  const traceparent = `00-${traceId}-${spanId}-01`;
  response.setHeader('traceresponse', traceparent);
  response.appendHeader('Server-Timing', `traceparent;desc="${traceparent}"`);
}
