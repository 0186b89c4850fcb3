// Serves the built page (dist/) on PAGE_PORT, natively and in the web container, and proxies the
// page's trace requests to Jaeger.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import serveStatic from 'serve-static';
import { handleJaegerRequest, jaegerQueryUrl } from './jaeger-proxy.ts';

const root = resolve(process.env.PAGE_DIR ?? fileURLToPath(new URL('../dist', import.meta.url)));
const host = process.env.PAGE_HOST || '127.0.0.1';
const port = Number(process.env.PAGE_PORT || 5173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(
    `hello-web page server cannot start: PAGE_PORT must be a whole number from 0 to 65535, got "${process.env.PAGE_PORT}"`,
  );
  process.exit(1);
}
const jaegerUrl = jaegerQueryUrl();

const assets = join(root, 'assets') + sep;
// serve-static refuses paths that leave root, NUL bytes and malformed percent-encoding, and
// ignores dotfiles; each of those, like a missing file or a folder, falls through to our 404.
const serveFile = serveStatic(root, {
  dotfiles: 'ignore',
  redirect: false,
  setHeaders(response, file) {
    // Vite puts a content hash in every asset's name; index.html must always be fetched anew.
    response.setHeader('Cache-Control', file.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
  },
});

const server = createServer((request, response) => {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  serve(request, response).catch((error: unknown) => {
    console.error(`hello-web page server: ${request.method} ${request.url} failed:`, error);
    sendText(response, 400, 'bad request');
  });
});

async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (await handleJaegerRequest(request, response, jaegerUrl)) return;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  serveFile(request, response, (error) => {
    if (!error) return sendText(response, 404, 'not found');
    // A range or precondition the file cannot meet (416, 412), or a file that cannot be read (500).
    if (error.status >= 500) console.error(`hello-web page server cannot serve ${request.url} from ${root}:`, error);
    sendText(response, error.status, error.expose ? error.message : 'cannot read this file', error.headers);
  });
}

/** A plain-text answer that keeps none of the headers set for a file, such as its Cache-Control. */
function sendText(response: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(text);
}

server.listen(port, host, () => {
  const { port: boundPort } = server.address() as AddressInfo;
  console.log(
    `hello-web page served at http://localhost:${boundPort}/ (bound to ${host}, from ${root}; traces from ${jaegerUrl})`,
  );
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
  });
}
