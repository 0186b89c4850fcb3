import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * On every answer: no sniffing; no framing by any page (only a header can say so: the rest of the
 * document's Content-Security-Policy is in the document, from the page's build, which knows the
 * origins the page calls); no Referer to other origins; a browsing context no other page can reach.
 */
export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/**
 * A plain-text answer that keeps none of the headers already set (such as a file's Cache-Control)
 * but the security headers; one whose headers have gone out already can only be cut off.
 */
export function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  headers: OutgoingHttpHeaders = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  response
    .writeHead(status, { ...headers, ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' })
    .end(text);
}
