// The page server: serves the built page, each copy of the document naming the SERVER span that sent
// it (document.ts), relays the page's spans to the collector (otlp-relay.ts), and answers the page's
// questions to Jaeger (@hello-trace/page-api), as a public edge (@hello-trace/edge): only under its
// own host names, each client within its rates, each request within its deadlines.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import { trace, type SpanContext } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import { clientKeys, trustedProxies } from '@hello-trace/edge/client';
import { hostNameOf, servedHostNames } from '@hello-trace/edge/hosts';
import { ClientRate } from '@hello-trace/edge/rate';
import { RefusalLog } from '@hello-trace/edge/refusals';
import { createEdgeServer } from '@hello-trace/edge/server';
import { TRACE_API_PATH } from '@hello-trace/page-api';
import { jaegerProxy } from '@hello-trace/page-api/jaeger-proxy';
import { answerTraceWait } from '@hello-trace/page-api/trace-wait';
import serveStatic from 'serve-static';
import { SECURITY_HEADERS, sendText } from './answer.ts';
import type { PageServerConfig } from './config.ts';
import { documentWithTraceparent, isDocumentRequest } from './document.ts';
import { otlpRelay } from './otlp-relay.ts';

/** The page server, not yet listening; throws when the page has not been built. */
export function createPageServer(config: PageServerConfig): Server {
  const { pageDir, host, allowedHosts, jaegerUrl, traceRate, relay, traceWait, edge } = config;
  const renderDocument = readDocument(pageDir);
  const refusals = new RefusalLog('hello-page');
  const clientKey = clientKeys(trustedProxies(edge.trustedProxies));
  const hostNames = servedHostNames(host, allowedHosts);
  const relayExport = otlpRelay(relay, { clientKey, refusals });
  const askJaeger = jaegerProxy({
    jaegerUrl,
    rate: new ClientRate(`GET ${TRACE_API_PATH}`, traceRate, { clientKey, refusals }),
    report: (kind, request) => refusals.count(kind, clientKey(request)),
  });
  const serveFile = fileServer(pageDir);

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostNames.has(hostNameOf(request))) {
      refusals.count('421 a host name not served here', clientKey(request));
      return sendText(
        response,
        421,
        'this page server does not answer to this host name: PAGE_ALLOWED_HOSTS lists the names it serves besides localhost',
      );
    }
    // A path such as `//` is no URL at all.
    if (!URL.parse(request.url ?? '', 'http://page')) {
      refusals.count('400 a malformed path', clientKey(request));
      return sendText(response, 400, 'malformed path');
    }
    if (request.url === '/healthz') return sendText(response, 200, 'ok', { 'Cache-Control': 'no-store' });
    if (isDocumentRequest(request)) return sendDocument(request, response, renderDocument);
    if (await relayExport(request, response)) return;
    if (answerTraceWait(request, response, traceWait)) return;
    if (await askJaeger(request, response)) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendText(response, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    }
    serveFile(request, response, (error) => {
      if (!error) return sendText(response, 404, 'not found');
      // A range or precondition the file cannot meet (416, 412), or a file that cannot be read (500).
      if (error.status >= 500) console.error(`hello-page server cannot serve ${request.url} from ${pageDir}:`, error);
      sendText(response, error.status, error.expose ? error.message : 'cannot read this file', error.headers);
    });
  }

  return createEdgeServer(
    (request, response) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
      serve(request, response).catch((error: unknown) => {
        console.error(`hello-page server: ${request.method} ${request.url} failed:`, error);
        sendText(response, 400, 'bad request');
      });
    },
    edge,
    refusals,
  );
}

function readDocument(pageDir: string): (span: SpanContext | undefined) => string {
  const indexFile = join(pageDir, 'index.html');
  let html: string;
  try {
    html = readFileSync(indexFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(`${indexFile} is missing. Build the page first (npm run build --prefix web), or set PAGE_DIR`, {
      cause: error,
    });
  }
  return documentWithTraceparent(html, indexFile);
}

/** The page's files. */
function fileServer(pageDir: string) {
  const assets = join(pageDir, 'assets') + sep;
  // serve-static refuses paths that leave pageDir, NUL bytes and malformed percent-encoding, and
  // ignores dotfiles; each of those, like a missing file or a folder, falls through to our 404.
  return serveStatic(pageDir, {
    dotfiles: 'ignore',
    // index.html goes out only as the document, with its traceparent.
    index: false,
    redirect: false,
    setHeaders(response, file) {
      // Vite puts a content hash in every asset's name; the other files must always be revalidated.
      response.setHeader('Cache-Control', file.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

/**
 * The document, naming the SERVER span of this request: never cached, so that every page load is
 * a trace of its own. Without tracing (no preload, OTEL_SDK_DISABLED) it goes out as built.
 */
function sendDocument(
  request: IncomingMessage,
  response: ServerResponse,
  renderDocument: (span: SpanContext | undefined) => string,
): void {
  const span = trace.getActiveSpan();
  span?.setAttribute(ATTR_HTTP_ROUTE, '/').updateName(`${request.method} /`);
  const html = renderDocument(span?.spanContext());
  response.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : html);
}
