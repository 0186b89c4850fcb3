// A trace as Jaeger's query API v3 returns it (OTLP/JSON), read into spans for the page.

export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatusName = 'unset' | 'ok' | 'error';
export type Attributes = [key: string, value: string][];

export interface TraceSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  kind: SpanKindName;
  status: SpanStatusName;
  statusMessage: string;
  /** Milliseconds since the epoch. */
  startMs: number;
  durationMs: number;
  attributes: Attributes;
  events: { name: string; atMs: number; attributes: Attributes }[];
}

const KINDS: SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES: SpanStatusName[] = ['unset', 'ok', 'error'];

interface OtlpValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
type OtlpAttributes = { key: string; value?: OtlpValue }[] | undefined;
interface OtlpSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpAttributes;
  events?: { name: string; timeUnixNano: string; attributes?: OtlpAttributes }[];
  status?: { code?: number; message?: string };
}
interface JaegerTrace {
  result?: {
    resourceSpans?: { resource?: { attributes?: OtlpAttributes }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
  };
}

export function parseJaegerTrace(json: unknown): TraceSpan[] {
  return ((json as JaegerTrace).result?.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service =
      toAttributes(resourceSpans.resource?.attributes).find(([key]) => key === 'service.name')?.[1] ?? 'unknown';
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => {
        const startMs = nanosToMs(span.startTimeUnixNano);
        return {
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          service,
          kind: KINDS[span.kind ?? 0] ?? 'unspecified',
          status: STATUSES[span.status?.code ?? 0] ?? 'unset',
          statusMessage: span.status?.message ?? '',
          startMs,
          durationMs: nanosToMs(span.endTimeUnixNano) - startMs,
          attributes: toAttributes(span.attributes),
          events: (span.events ?? []).map((event) => ({
            name: event.name,
            atMs: nanosToMs(event.timeUnixNano) - startMs,
            attributes: toAttributes(event.attributes),
          })),
        };
      }),
    );
  });
}

function nanosToMs(nanos: string): number {
  return Number(BigInt(nanos) / 1000n) / 1000;
}

function toAttributes(attributes: OtlpAttributes): Attributes {
  return (attributes ?? []).map(({ key, value }) => [key, toText(value)]);
}

function toText(value: OtlpValue = {}): string {
  if (value.arrayValue) return JSON.stringify((value.arrayValue.values ?? []).map(toText));
  return String(value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue ?? '');
}
