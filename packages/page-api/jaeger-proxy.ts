// The page's one way to Jaeger: `GET /api/traces/<trace id>` is answered from Jaeger's query API
// v3, so the page needs no CORS grant from Jaeger and can only ever ask for a trace by its id;
// `GET /api/jaeger-ui` says whether Jaeger serves its UI, so that the page links to it only then.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson as send } from './answer.ts';
import { JAEGER_UI_API_PATH, TRACE_API_PATH } from './index.ts';
import { readJaegerUi } from './jaeger-ui.ts';

const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const JAEGER_TIMEOUT_MS = 5_000;

/**
 * Answers the page's questions for Jaeger, `GET /api/traces/<trace id>` and `GET /api/jaeger-ui`;
 * resolves false, having sent nothing, for any other path.
 */
export async function handleJaegerRequest(
  request: IncomingMessage,
  response: ServerResponse,
  jaegerUrl: string,
): Promise<boolean> {
  const { pathname } = new URL(request.url ?? '/', 'http://page');
  const asksForUi = pathname === JAEGER_UI_API_PATH;
  if (!asksForUi && !pathname.startsWith(TRACE_API_PATH)) return false;
  const traceId = pathname.slice(TRACE_API_PATH.length);
  if (request.method !== 'GET') {
    send(response, 405, { error: 'only GET' });
  } else if (asksForUi) {
    send(response, ...(await fromJaeger(jaegerUrl, '/', 'its UI', readUi)));
  } else if (!TRACE_ID.test(traceId)) {
    send(response, 400, { error: 'a trace id is 32 lowercase hexadecimal digits, not all zero' });
  } else {
    send(response, ...(await fromJaeger(jaegerUrl, `/api/v3/traces/${traceId}`, `trace ${traceId}`, readTrace)));
  }
  return true;
}

type Answer = [status: number, body: unknown];

/**
 * Jaeger's answer at `path`, read by `read`; when Jaeger does not answer at all, or its answer
 * breaks off, a 502 that says what to do.
 */
async function fromJaeger(
  jaegerUrl: string,
  path: string,
  what: string,
  read: (upstream: Response, jaegerUrl: string, what: string) => Promise<Answer>,
): Promise<Answer> {
  let upstream: Response;
  try {
    upstream = await fetch(`${jaegerUrl}${path}`, { signal: AbortSignal.timeout(JAEGER_TIMEOUT_MS) });
  } catch (error) {
    return [
      502,
      {
        error: `Jaeger is not reachable at ${jaegerUrl} (${reasonOf(error)}). Start the whole stack with "npm start" (needs Go) or "docker compose up --build", or set JAEGER_QUERY_URL for the page server.`,
      },
    ];
  }
  try {
    return await read(upstream, jaegerUrl, what);
  } catch (error) {
    return [
      502,
      {
        error: `Jaeger at ${jaegerUrl} broke off its answer for ${what} (${reasonOf(error)}). Try again; if it keeps failing, see Jaeger's log.`,
      },
    ];
  }
}

/** A failed fetch's reason: its system error code (ECONNREFUSED) when it has one. */
function reasonOf(error: unknown): string {
  const code = error instanceof Error ? (error.cause as { code?: string } | undefined)?.code : undefined;
  return code ?? (error instanceof Error ? error.message : String(error));
}

async function readTrace(upstream: Response, jaegerUrl: string, what: string): Promise<Answer> {
  if (!upstream.ok) {
    await upstream.body?.cancel();
    // Jaeger's "not found" only means its spans have not arrived yet: the trace so far, without spans.
    if (upstream.status === 404) return [200, { result: { resourceSpans: [] } }];
    return [502, { error: `Jaeger at ${jaegerUrl} answered ${upstream.status} ${upstream.statusText} for ${what}.` }];
  }
  const text = await upstream.text();
  try {
    return [200, JSON.parse(text)];
  } catch (error) {
    return [
      502,
      {
        error: `Jaeger at ${jaegerUrl} answered ${what} with invalid JSON (${reasonOf(error)}). Is JAEGER_QUERY_URL the address of Jaeger's query API (port 16686 by default), not another server?`,
      },
    ];
  }
}

async function readUi(upstream: Response, jaegerUrl: string): Promise<Answer> {
  return [200, readJaegerUi(jaegerUrl, upstream.status, upstream.statusText, await upstream.text())];
}
