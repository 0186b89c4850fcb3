import type { ServerResponse } from 'node:http';

/**
 * Every answer of the page's API: JSON, made for its request and never cached. A Buffer is JSON
 * already, and goes out as it is.
 */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response
    .writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    .end(Buffer.isBuffer(body) ? body : JSON.stringify(body));
}
