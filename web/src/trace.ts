// A trace as Jaeger's query API v3 returns it (OTLP/JSON), made ready for the waterfall.

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

export interface WaterfallRow extends TraceSpan {
  depth: number;
  /** Where the bar starts and how wide it is, in percent of the whole trace. */
  offsetPercent: number;
  widthPercent: number;
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
    const service = toAttributes(resourceSpans.resource?.attributes).find(([key]) => key === 'service.name')?.[1] ?? 'unknown';
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

/**
 * True when the page's service and at least one other (the server) have spans, and every span's
 * parent is there, so no batch of either process is still on its way.
 */
export function isTraceComplete(spans: TraceSpan[], pageService: string): boolean {
  const ids = new Set(spans.map((span) => span.spanId));
  return (
    spans.some((span) => span.service === pageService) &&
    spans.some((span) => span.service !== pageService) &&
    spans.some((span) => !span.parentSpanId) &&
    spans.every((span) => !span.parentSpanId || ids.has(span.parentSpanId))
  );
}

/** Rows in tree order (children under their parent, siblings by start time), placed on one time axis. */
export function layoutWaterfall(spans: TraceSpan[]): WaterfallRow[] {
  if (spans.length === 0) return [];
  const start = Math.min(...spans.map((span) => span.startMs));
  const total = Math.max(...spans.map((span) => span.startMs + span.durationMs)) - start || 1;
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string, TraceSpan[]>();
  for (const span of spans.toSorted((a, b) => a.startMs - b.startMs)) {
    const parent = ids.has(span.parentSpanId) ? span.parentSpanId : '';
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const rows: WaterfallRow[] = [];
  const visit = (span: TraceSpan, depth: number) => {
    rows.push({
      ...span,
      depth,
      offsetPercent: ((span.startMs - start) / total) * 100,
      widthPercent: Math.max((span.durationMs / total) * 100, 0.5),
    });
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get('') ?? []) visit(root, 0);
  return rows;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 0 : 1)} ms`;
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
