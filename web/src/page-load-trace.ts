// The trace of this page load, which the app shows: documentLoad's trace, which continues the
// page server's when the HTML carries <meta name="traceparent" content="00-…-…-01">.
import { TraceFlags, type Span } from '@opentelemetry/api';

export interface PageLoadTrace {
  traceId: string;
  /** False when the page server's traceparent says not sampled (flags 00): nothing was recorded. */
  sampled: boolean;
  /** True when documentLoad continues the trace that the HTML's traceparent names. */
  fromPageServer: boolean;
}

let resolveTrace: (trace: PageLoadTrace) => void;
/** Settles once documentLoad has started, after the `load` event; never for a page without tracing. */
export const pageLoadTrace = new Promise<PageLoadTrace>((resolve) => (resolveTrace = resolve));

/** startTracing's onDocumentLoad hook: notes the documentLoad span's trace. */
export function notePageLoadSpan(span: Span): void {
  const { traceId, traceFlags } = span.spanContext();
  const meta = document.querySelector<HTMLMetaElement>('meta[name="traceparent"]');
  resolveTrace({
    traceId,
    sampled: (traceFlags & TraceFlags.SAMPLED) !== 0,
    fromPageServer: meta?.content.trim().split('-')[1] === traceId,
  });
}
