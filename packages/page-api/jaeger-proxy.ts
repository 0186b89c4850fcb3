// The page's one way to Jaeger: `GET /api/traces/<trace id>` is answered from Jaeger's query API
// v3, so the page needs no CORS grant from Jaeger and can only ever ask for a trace by its id;
// `GET /api/jaeger-ui` says whether Jaeger serves its UI, so that the page links to it only then.
// Jaeger's answer is read as bytes, up to a cap, and passed on as it is: never parsed, so a trace
// costs the page server its size once, at most MAX_ANSWER_BYTES, for each of at most MAX_READS reads.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson as send } from './answer.ts';
import { JAEGER_UI_API_PATH, TRACE_API_PATH } from './index.ts';
import { readJaegerUi } from './jaeger-ui.ts';

const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const JAEGER_TIMEOUT_MS = 5_000;
/** The largest answer read from Jaeger: a click's trace is a few KB, a page load's tens. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/** Reads from Jaeger at once, from all clients; past them, a 503. */
export const MAX_READS = 4;

export interface JaegerProxyOptions {
  /** Jaeger's query API. */
  jaegerUrl: string;
  /** Each client's rate, checked before Jaeger is asked (the page server's, from @hello-trace/edge). */
  rate?: { check(request: IncomingMessage): Promise<Refusal | undefined> };
  /** Counts a refusal or failure, with what happened (Jaeger's address too); by default logs it on a line of its own. */
  report?: (kind: string, request: IncomingMessage) => void;
  maxAnswerBytes?: number;
  maxReads?: number;
}

type Answer = [status: number, body: unknown, headers?: Record<string, string>];

/**
 * A request that came too soon, as @hello-trace/edge's rates answer it. Said here, not imported: Vite's
 * dev server and the page's image load this file with no package but this one.
 */
interface Refusal {
  status: number;
  retryAfterSeconds: number;
  text: string;
}

/**
 * A handler of the page's questions for Jaeger, `GET /api/traces/<trace id>` and `GET /api/jaeger-ui`:
 * it answers them and resolves true, or resolves false, having sent nothing, for any other path.
 */
export function jaegerProxy({
  jaegerUrl,
  rate,
  report = (kind) => console.error(`Jaeger proxy: ${kind}`),
  maxAnswerBytes = MAX_ANSWER_BYTES,
  maxReads = MAX_READS,
}: JaegerProxyOptions) {
  let reading = 0;

  /**
   * Jaeger's answer at `path`, about `what`, read by `read`; when Jaeger fails, a 502 that says what
   * to do, reported as a failure of the page's `place`.
   */
  async function fromJaeger(request: IncomingMessage, place: string, path: string, what: string, read: Read) {
    const failed = (kind: string, error: string): Answer => {
      report(`502 ${place}: ${kind}`, request);
      return [502, { error }];
    };
    let upstream: Response;
    try {
      upstream = await fetch(`${jaegerUrl}${path}`, { signal: AbortSignal.timeout(JAEGER_TIMEOUT_MS) });
    } catch (error) {
      return failed(
        `Jaeger at ${jaegerUrl} not reachable (${reasonOf(error)})`,
        `Jaeger is not reachable (${reasonOf(error)}). Start the whole stack with "npm start" (needs Go) or "docker compose up --build", or set JAEGER_QUERY_URL for the page server.`,
      );
    }
    try {
      return await read(upstream, what, maxAnswerBytes, failed);
    } catch (error) {
      await upstream.body?.cancel().catch(() => {});
      return failed(
        `Jaeger at ${jaegerUrl} broke off its answer (${reasonOf(error)})`,
        `Jaeger broke off its answer for ${what} (${reasonOf(error)}). Try again; if it keeps failing, see Jaeger's log.`,
      );
    }
  }

  return async function handleJaegerRequest(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const pathname = URL.parse(request.url ?? '/', 'http://page')?.pathname ?? '';
    const asksForUi = pathname === JAEGER_UI_API_PATH;
    if (!asksForUi && !pathname.startsWith(TRACE_API_PATH)) return false;
    send(response, ...(await answer(request, asksForUi ? undefined : pathname.slice(TRACE_API_PATH.length))));
    return true;
  };

  /** The answer to a question for Jaeger: about its UI, or about the trace `traceId`. */
  async function answer(request: IncomingMessage, traceId: string | undefined): Promise<Answer> {
    const place = `GET ${traceId === undefined ? JAEGER_UI_API_PATH : TRACE_API_PATH}`;
    if (request.method !== 'GET') return [405, { error: 'only GET' }];
    if (traceId !== undefined && !TRACE_ID.test(traceId)) {
      return [400, { error: 'a trace id is 32 lowercase hexadecimal digits, not all zero' }];
    }
    const tooSoon = await rate?.check(request);
    if (tooSoon) return [tooSoon.status, { error: tooSoon.text }, { 'Retry-After': String(tooSoon.retryAfterSeconds) }];
    if (reading >= maxReads) {
      report(`503 ${place}: ${maxReads} reads from Jaeger at once already`, request);
      return [
        503,
        { error: 'the page server is reading too many traces at once: try again in 1 s' },
        { 'Retry-After': '1' },
      ];
    }
    reading++;
    try {
      return traceId === undefined
        ? await fromJaeger(request, place, '/', 'its UI', readUi)
        : await fromJaeger(request, place, `/api/v3/traces/${traceId}`, `trace ${traceId}`, readTrace);
    } finally {
      reading--;
    }
  }
}

type Read = (
  upstream: Response,
  what: string,
  maxBytes: number,
  failed: (kind: string, error: string) => Answer,
) => Promise<Answer>;

/** A failed fetch's reason: its system error code (ECONNREFUSED) when it has one. */
function reasonOf(error: unknown): string {
  const code = error instanceof Error ? (error.cause as { code?: string } | undefined)?.code : undefined;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** The body of `upstream`, at most `maxBytes` of it; undefined, the rest left unread, when it is longer. */
async function readCapped(upstream: Response, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(upstream.headers.get('content-length')) > maxBytes) {
    await upstream.body?.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  // Leaving the loop early cancels the rest of the body.
  for await (const chunk of upstream.body ?? []) {
    bytes += chunk.length;
    if (bytes > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const readTrace: Read = async (upstream, what, maxBytes, failed) => {
  if (!upstream.ok) {
    await upstream.body?.cancel();
    // Jaeger's "not found" only means its spans have not arrived yet: the trace so far, without spans.
    if (upstream.status === 404) return [200, { result: { resourceSpans: [] } }];
    const status = `${upstream.status} ${upstream.statusText}`;
    return failed(`Jaeger answered ${status}`, `Jaeger answered ${status} for ${what}.`);
  }
  const body = await readCapped(upstream, maxBytes);
  if (!body) {
    return failed(
      `an answer over ${maxBytes} bytes`,
      `${what} is larger than the ${maxBytes} bytes the page server reads from Jaeger: open it in Jaeger instead.`,
    );
  }
  // Jaeger answers a JSON object; anything else is another server (an HTML page, most often).
  if (!body.toString('utf8', 0, 64).trimStart().startsWith('{')) {
    return failed(
      `Jaeger answered something other than JSON`,
      `Jaeger answered ${what} with something other than JSON. Is JAEGER_QUERY_URL the address of Jaeger's query API (port 16686 by default), not another server?`,
    );
  }
  return [200, body];
};

const readUi: Read = async (upstream, _what, maxBytes) => {
  const page = await readCapped(upstream, maxBytes);
  return [200, readJaegerUi(upstream.status, upstream.statusText, page?.toString('utf8') ?? '')];
};
