import type { ServerResponse } from 'node:http';

/** Every answer of the page's API: JSON, made for its request and never cached. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response
    .writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    .end(JSON.stringify(body));
}
