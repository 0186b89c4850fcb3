import { settings } from '../settings.ts';
import { isPageLoadComplete, isTraceComplete } from './complete.ts';
import type { TraceSpan } from './parse.ts';
import { useTrace } from './useTrace.ts';
import { Waterfall } from './Waterfall.tsx';
import './trace-view.css';

/** What the trace is of: a click (complete with the server's spans) or the page load. */
export type TraceOf = 'click' | 'pageLoad';

const IS_COMPLETE: Record<TraceOf, (spans: TraceSpan[]) => boolean> = {
  click: (spans) => isTraceComplete(spans, settings.serviceName),
  pageLoad: isPageLoadComplete,
};

/** One trace, as Jaeger has it: a waterfall once complete, a plain message otherwise. */
export function TraceView({ traceId, of }: { traceId: string; of: TraceOf }) {
  const trace = useTrace(traceId, IS_COMPLETE[of]);
  return (
    <section aria-label="Trace" className="trace-view">
      <h2>{of === 'pageLoad' ? 'Trace of this page load' : 'Trace'}</h2>
      {trace.phase === 'waiting' && (
        <p data-testid="trace-status" aria-live="polite">
          Waiting for the trace in Jaeger ({trace.spans.length} spans so far)… The page and the server send their spans
          in batches.
        </p>
      )}
      {trace.phase === 'failed' && (
        <p data-testid="trace-status" role="alert">
          {trace.message}
        </p>
      )}
      {trace.phase === 'complete' && <Waterfall spans={trace.spans} />}
    </section>
  );
}
