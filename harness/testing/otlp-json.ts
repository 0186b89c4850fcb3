// Spans written by hand as OTLP/JSON, the way the page's exporter writes them, for tests that send
// traces of their own making to a collector's OTLP/HTTP receiver.
import { randomBytes } from 'node:crypto';
import { StatusCode } from './otlp-receiver.ts';

export const newTraceId = () => randomBytes(16).toString('hex');
export const newSpanId = () => randomBytes(8).toString('hex');

export interface TestSpan {
  traceId: string;
  spanId: string;
  /** Empty for a trace's root span. */
  parentSpanId?: string;
  name: string;
  /** Status ERROR, as a failed request records it. */
  error?: boolean;
  durationMs?: number;
  /** When it ended, in ms since the epoch; now by default. */
  endUnixMs?: number;
}

/** An export request: these spans of one service. */
export function otlpJson(service: string, spans: TestSpan[]): string {
  const now = Date.now();
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: service } }] };
  return JSON.stringify({
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            scope: { name: 'hello-trace-tests' },
            spans: spans.map(
              ({ traceId, spanId, parentSpanId = '', name, error = false, durationMs = 5, endUnixMs = now }) => {
                const end = BigInt(endUnixMs) * 1_000_000n;
                return {
                  traceId,
                  spanId,
                  parentSpanId,
                  name,
                  // A child span here is a server's (SERVER), a root span the page's (INTERNAL).
                  kind: parentSpanId ? 2 : 1,
                  startTimeUnixNano: String(end - BigInt(durationMs) * 1_000_000n),
                  endTimeUnixNano: String(end),
                  status: error ? { code: StatusCode.ERROR, message: 'simulated failure' } : {},
                };
              },
            ),
          },
        ],
      },
    ],
  });
}
