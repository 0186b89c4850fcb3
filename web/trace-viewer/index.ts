// The trace viewer: a trace from Jaeger, through the page server's API (@hello-trace/page-api), drawn
// as a waterfall, and links to it in Jaeger's UI. It takes what it needs as props and arguments.
export { formatMs } from './format.ts';
export { traceLink } from './jaeger-links.ts';
export { TraceLinks } from './trace-links.tsx';
export { TraceView } from './trace-view.tsx';
export { useJaegerUi } from './use-jaeger-ui.ts';
export { useTraceWait } from './use-trace-wait.ts';
