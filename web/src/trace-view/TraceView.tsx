import { settings } from '../settings.ts';
import { useTrace } from './useTrace.ts';
import { Waterfall } from './Waterfall.tsx';
import './trace-view.css';

/** The trace of one click, as Jaeger has it: a waterfall once complete, a plain message otherwise. */
export function TraceView({ traceId }: { traceId: string }) {
  const trace = useTrace(traceId, settings.serviceName);
  return (
    <section aria-label="Trace" className="trace-view">
      <h2>Trace</h2>
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
