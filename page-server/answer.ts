import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * A plain-text answer that keeps none of the headers already set (such as a file's Cache-Control);
 * one whose headers have gone out already can only be cut off.
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
    .writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
    .end(text);
}
