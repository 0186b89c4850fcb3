import type { TraceSpan } from './parse.ts';

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

/**
 * True when the page load's documentLoad span is there and every span's parent too: the page
 * server's SERVER span, when documentLoad continues it.
 */
export function isPageLoadComplete(spans: TraceSpan[]): boolean {
  const ids = new Set(spans.map((span) => span.spanId));
  return (
    spans.some((span) => span.name === 'documentLoad') &&
    spans.every((span) => !span.parentSpanId || ids.has(span.parentSpanId))
  );
}
