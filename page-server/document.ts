// The page's HTML document. Each copy names the SERVER span that sent it in
// `<meta name="traceparent" content="00-<trace id>-<span id>-<flags>">`, which the browser's
// @opentelemetry/instrumentation-document-load reads, so that the page load continues that trace.
import type { IncomingMessage } from 'node:http';
import { isSpanContextValid, type SpanContext } from '@opentelemetry/api';

/** GET or HEAD of `/` or `/index.html` (however encoded, with any query): the requests answered with the document. */
export function isDocumentRequest(request: IncomingMessage): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const url = URL.parse(request.url ?? '/', 'http://page');
  try {
    return url !== null && ['/', '/index.html'].includes(decodeURIComponent(url.pathname));
  } catch {
    return false; // malformed percent-encoding: not the document, and serve-static answers 400.
  }
}

/**
 * The document `html` (read from `file`) as a function of the context of the SERVER span that sends
 * it: the meta tag goes before `</head>`, and only a valid span context goes in it. Throws when the
 * document has no `</head>`.
 */
export function documentWithTraceparent(html: string, file: string): (span: SpanContext | undefined) => string {
  const headEnd = html.search(/<\/head>/i);
  if (headEnd === -1) throw new Error(`${file} has no </head>, before which each page load's traceparent goes`);
  const [head, rest] = [html.slice(0, headEnd), html.slice(headEnd)];
  return (span) =>
    span && isSpanContextValid(span)
      ? `${head}  <meta name="traceparent" content="${traceparentOf(span)}" />\n  ${rest}`
      : html;
}

/** `00-<trace id>-<span id>-<flags>`, as W3C Trace Context writes a span context. */
function traceparentOf({ traceId, spanId, traceFlags }: SpanContext): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}
