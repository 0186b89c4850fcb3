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
 * True when the page load's documentLoad span is there and every span's parent too (the page server's
 * SERVER span, when documentLoad continues it), and the poll before this one found as many spans: the
 * page load's spans come in more than one batch, documentLoad's and then those of its vitals (FCP, at
 * the page's first paint, often follows the load).
 */
export function isPageLoadComplete(spans: TraceSpan[], previous: TraceSpan[] = []): boolean {
  const ids = new Set(spans.map((span) => span.spanId));
  return (
    spans.some((span) => span.name === 'documentLoad') &&
    spans.every((span) => !span.parentSpanId || ids.has(span.parentSpanId)) &&
    previous.length === spans.length
  );
}
