import type { JaegerUiAnswer } from '@hello-trace/page-api';
import { jaegerApiTraceUrl, jaegerTraceUrl } from './jaeger-links.ts';
import './trace-view.css';

/**
 * Where to see the trace besides the waterfall: Jaeger's UI where Jaeger serves it; otherwise the
 * trace as JSON from Jaeger's query API, and why there is no UI.
 */
export function TraceLinks({
  jaegerUiUrl,
  traceId,
  jaegerUi,
}: {
  jaegerUiUrl: string;
  traceId: string;
  jaegerUi: JaegerUiAnswer | undefined;
}) {
  if (jaegerUi?.ui !== false) {
    return (
      <a href={jaegerTraceUrl(jaegerUiUrl, traceId)} target="_blank" rel="noreferrer">
        Open in Jaeger
      </a>
    );
  }
  return (
    <>
      <a href={jaegerApiTraceUrl(jaegerUiUrl, traceId)} target="_blank" rel="noreferrer">
        Trace as JSON
      </a>
      <span className="hint" data-testid="no-jaeger-ui">
        No Jaeger UI to open it in. {jaegerUi.reason} Jaeger's query API serves the trace as JSON, and the waterfall
        below draws it; the jaegertracing/jaeger image has the full UI.
      </span>
    </>
  );
}
