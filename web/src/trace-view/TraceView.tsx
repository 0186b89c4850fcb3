import type { TraceWait } from '@hello-trace/page-api';
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

/**
 * One trace, as Jaeger has it: a waterfall once complete, a plain message otherwise; `wait` says how
 * long it may take (undefined until the page server has said).
 */
export function TraceView({ traceId, of, wait }: { traceId: string; of: TraceOf; wait: TraceWait | undefined }) {
  const trace = useTrace(traceId, IS_COMPLETE[of], wait);
  return (
    <section aria-label="Trace" className="trace-view">
      <h2>{of === 'pageLoad' ? 'Trace of this page load' : 'Trace'}</h2>
      {trace.phase === 'waiting' && (
        <p data-testid="trace-status" aria-live="polite">
          {trace.message}
        </p>
      )}
      {trace.phase === 'notKept' && (
        <p data-testid="trace-not-kept" aria-live="polite">
          {trace.message}
        </p>
      )}
      {(trace.phase === 'retrying' || trace.phase === 'failed') && (
        <p data-testid="trace-status" role="alert">
          {trace.message}
        </p>
      )}
      {trace.phase === 'complete' && <Waterfall spans={trace.spans} />}
    </section>
  );
}
