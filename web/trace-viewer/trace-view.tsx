import { useCallback } from 'react';
import type { TraceWait } from '@hello-trace/page-api';
import { isPageLoadComplete, isTraceComplete } from './complete.ts';
import type { TraceSpan } from './parse.ts';
import { useTrace } from './use-trace.ts';
import { Waterfall } from './waterfall.tsx';
import { WebVitals } from './web-vitals.tsx';
import './trace-view.css';

/** What the trace is of: a click (complete with the server's spans) or the page load. */
export type TraceOf = 'click' | 'pageLoad';

/**
 * One trace, as Jaeger has it: a waterfall once complete, a plain message otherwise. `pageService` is
 * the page's service.name; `wait` says how long the trace may take (undefined until the page server
 * has said).
 */
export function TraceView({
  traceId,
  of,
  pageService,
  wait,
}: {
  traceId: string;
  of: TraceOf;
  pageService: string;
  wait: TraceWait | undefined;
}) {
  const isComplete = useCallback(
    (spans: TraceSpan[], previous: TraceSpan[] | undefined) =>
      of === 'pageLoad' ? isPageLoadComplete(spans, previous) : isTraceComplete(spans, pageService),
    [of, pageService],
  );
  const trace = useTrace(traceId, isComplete, wait);
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
      {trace.phase === 'complete' && (
        <>
          {of === 'pageLoad' && <WebVitals spans={trace.spans} />}
          <Waterfall spans={trace.spans} />
        </>
      )}
    </section>
  );
}
