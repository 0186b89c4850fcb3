// Serves the built page (web/dist/) on PAGE_PORT, natively and in the web container, relays the
// page's spans to the collector (otlp-relay.ts), proxies the page's trace requests to Jaeger and tells the page how
// long to wait for a trace (trace-wait.ts). Each copy of the document names its SERVER span
// (instrumentation.ts) in a traceparent meta tag, so that the page load's trace starts here.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { context, propagation, trace } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import serveStatic from 'serve-static';
import type { TraceWait } from '../web/shared/page-api.ts';
import { documentWithTraceparent, isDocumentRequest } from './document.ts';
import { handleJaegerRequest, jaegerQueryUrl } from './jaeger-proxy.ts';
import { otlpRelay, relaySettings, type RelaySettings } from './otlp-relay.ts';
import { answerTraceWait, traceWaitSettings } from './trace-wait.ts';

const root = resolve(process.env.PAGE_DIR ?? fileURLToPath(new URL('../web/dist', import.meta.url)));
const host = process.env.PAGE_HOST || '127.0.0.1';
const port = Number(process.env.PAGE_PORT || 5173);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(
    `hello-page server cannot start: PAGE_PORT must be a whole number from 0 to 65535, got "${process.env.PAGE_PORT}"`,
  );
  process.exit(1);
}
const jaegerUrl = jaegerQueryUrl();
let relay: RelaySettings;
let traceWait: TraceWait;
try {
  relay = relaySettings();
  traceWait = traceWaitSettings();
} catch (error) {
  console.error(`hello-page server cannot start: ${(error as Error).message}`);
  process.exit(1);
}
const relayExport = otlpRelay(relay);

const indexFile = join(root, 'index.html');
let renderDocument: (traceparent: string | undefined) => string;
try {
  renderDocument = documentWithTraceparent(readFileSync(indexFile, 'utf8'), indexFile);
} catch (error) {
  const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
  console.error(
    `hello-page server cannot start: ${missing ? `${indexFile} is missing. Build the page first (npm run build --prefix web), or set PAGE_DIR` : (error as Error).message}`,
  );
  process.exit(1);
}

const assets = join(root, 'assets') + sep;
// serve-static refuses paths that leave root, NUL bytes and malformed percent-encoding, and
// ignores dotfiles; each of those, like a missing file or a folder, falls through to our 404.
const serveFile = serveStatic(root, {
  dotfiles: 'ignore',
  // index.html goes out only as the document, with its traceparent.
  index: false,
  redirect: false,
  setHeaders(response, file) {
    // Vite puts a content hash in every asset's name; the other files must always be revalidated.
    response.setHeader('Cache-Control', file.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
  },
});

const server = createServer((request, response) => {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  serve(request, response).catch((error: unknown) => {
    console.error(`hello-page server: ${request.method} ${request.url} failed:`, error);
    sendText(response, 400, 'bad request');
  });
});

async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.url === '/healthz') return sendText(response, 200, 'ok', { 'Cache-Control': 'no-store' });
  if (isDocumentRequest(request)) return sendDocument(request, response);
  if (await relayExport(request, response)) return;
  if (answerTraceWait(request, response, traceWait)) return;
  if (await handleJaegerRequest(request, response, jaegerUrl)) return;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendText(response, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  serveFile(request, response, (error) => {
    if (!error) return sendText(response, 404, 'not found');
    // A range or precondition the file cannot meet (416, 412), or a file that cannot be read (500).
    if (error.status >= 500) console.error(`hello-page server cannot serve ${request.url} from ${root}:`, error);
    sendText(response, error.status, error.expose ? error.message : 'cannot read this file', error.headers);
  });
}

/**
 * The document, naming the SERVER span of this request: never cached, so that every page load is
 * a trace of its own. Without tracing (no preload, OTEL_SDK_DISABLED) it goes out as built.
 */
function sendDocument(request: IncomingMessage, response: ServerResponse): void {
  trace.getActiveSpan()?.setAttribute(ATTR_HTTP_ROUTE, '/').updateName(`${request.method} /`);
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  const html = renderDocument(carrier.traceparent);
  response.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : html);
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
    `hello-page served at http://localhost:${boundPort}/ (bound to ${host}, from ${root}; spans to ${relay.collectorUrl}, traces from ${jaegerUrl} within ${traceWait.seconds} s${traceWait.tailSampling ? ', tail-sampled' : ''})`,
  );
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeIdleConnections();
  });
}
