// The page's one way to Jaeger: `GET /api/traces/<trace id>` is answered from Jaeger's query API
// v3, so the page needs no CORS grant from Jaeger and can only ever ask for a trace by its id.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRACE_API_PATH } from '../shared/page-api.js';
import { readUrl } from '../shared/read-url.js';

const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const JAEGER_TIMEOUT_MS = 5_000;

/**
 * Jaeger's query API base URL: JAEGER_QUERY_URL, or the local Jaeger on JAEGER_UI_PORT; throws an
 * error naming the variable when malformed.
 */
export function jaegerQueryUrl(env: Record<string, string | undefined> = process.env): string {
  return readUrl(env, 'JAEGER_QUERY_URL', `http://localhost:${env.JAEGER_UI_PORT || 16686}`);
}

/** Answers `GET /api/traces/<trace id>`; resolves false, having sent nothing, for any other path. */
export async function handleTraceRequest(request: IncomingMessage, response: ServerResponse, jaegerUrl: string): Promise<boolean> {
  const { pathname } = new URL(request.url ?? '/', 'http://page');
  if (!pathname.startsWith(TRACE_API_PATH)) return false;
  const traceId = pathname.slice(TRACE_API_PATH.length);
  if (request.method !== 'GET') {
    send(response, 405, { error: 'only GET' });
  } else if (!TRACE_ID.test(traceId)) {
    send(response, 400, { error: 'a trace id is 32 lowercase hexadecimal digits, not all zero' });
  } else {
    const [status, body] = await fetchTrace(jaegerUrl, traceId);
    send(response, status, body);
  }
  return true;
}

async function fetchTrace(jaegerUrl: string, traceId: string): Promise<[number, unknown]> {
  let upstream: Response;
  try {
    upstream = await fetch(`${jaegerUrl}/api/v3/traces/${traceId}`, { signal: AbortSignal.timeout(JAEGER_TIMEOUT_MS) });
  } catch (error) {
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    return [
      502,
      {
        error: `Jaeger is not reachable at ${jaegerUrl} (${reason}). Start the whole stack with "npm start" (needs Go) or "docker compose up --build", or set JAEGER_QUERY_URL for the page server.`,
      },
    ];
  }
  // Jaeger's "not found" only means its spans have not arrived yet: the trace so far, without spans.
  if (upstream.status === 404) return [200, { result: { resourceSpans: [] } }];
  if (!upstream.ok) return [502, { error: `Jaeger answered ${upstream.status} ${upstream.statusText} for this trace` }];
  return [200, await upstream.json()];
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
}
