import type { TraceSpan } from './parse.ts';

export interface WaterfallRow extends TraceSpan {
  depth: number;
  /** Where the bar starts and how wide it is, in percent of the whole trace. */
  offsetPercent: number;
  widthPercent: number;
}

export interface WaterfallLayout {
  rows: WaterfallRow[];
  /** The time axis: from the first span's start to the last span's end. */
  totalMs: number;
}

/** Rows in tree order (children under their parent, siblings by start time), placed on one time axis. */
export function layoutWaterfall(spans: TraceSpan[]): WaterfallLayout {
  if (spans.length === 0) return { rows: [], totalMs: 0 };
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
  return { rows, totalMs: total };
}
