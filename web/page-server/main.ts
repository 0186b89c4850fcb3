// Serves the built page (dist/) on PAGE_PORT, natively and in the web container, and proxies the
// page's trace requests to Jaeger.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { handleTraceRequest, jaegerQueryUrl } from './jaeger-proxy.js';
import { resolvePagePath } from './paths.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const root = resolve(process.env.PAGE_DIR ?? fileURLToPath(new URL('../dist', import.meta.url)));
const host = process.env.PAGE_HOST || '127.0.0.1';
const port = Number(process.env.PAGE_PORT || 5173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`hello-web page server cannot start: PAGE_PORT must be a whole number from 0 to 65535, got "${process.env.PAGE_PORT}"`);
  process.exit(1);
}
const jaegerUrl = jaegerQueryUrl();

const server = createServer((request, response) => {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  serve(request, response).catch((error: unknown) => {
    console.error(`hello-web page server: ${request.method} ${request.url} failed:`, error);
    if (!response.headersSent) response.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('bad request');
  });
});

async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (await handleTraceRequest(request, response, jaegerUrl)) return;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed');
    return;
  }
  const file = resolvePagePath(root, new URL(request.url ?? '/', 'http://page').pathname);
  const body = file && (await readFile(file).catch(() => undefined));
  if (!file || !body) {
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  response.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    // Vite puts a content hash in every asset's name; index.html must always be fetched anew.
    'Cache-Control': file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

server.listen(port, host, () => {
  const { port: boundPort } = server.address() as AddressInfo;
  console.log(`hello-web page served at http://localhost:${boundPort}/ (bound to ${host}, from ${root}; traces from ${jaegerUrl})`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
  });
}
