// The page's spans, exported to its own origin (`POST /v1/traces`), relayed to the collector's
// browser receiver: the one place that limits each client's rate, which no collector component does.
// The relay checks the method, the content type and the size, and streams the rest through untouched:
// it never parses OTLP, and the collector's answer (a 2xx means stored) goes back as it is.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
// In memory, so no Redis or other store; points per second per key; and a burst on top of the rate.
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { readCount, type Env } from '@hello-trace/env';
import { collectorBrowserUrl } from '@hello-trace/env/addresses';
import { sendText } from './answer.ts';

export const OTLP_TRACES_PATH = '/v1/traces';
/** The collector's `max_request_body_size` for the browser receiver (collector/shared.yaml). */
export const MAX_BODY_BYTES = 30_000;
const CONTENT_TYPES = new Set(['application/json', 'application/x-protobuf']);
const COLLECTOR_TIMEOUT_MS = 10_000;
/** How long the burst above the rate takes to come back. */
const BURST_SECONDS = 10;

export interface RelaySettings {
  /** The collector's browser receiver, its base URL. */
  collectorUrl: string;
  /** Requests a second from one client address. */
  ratePerSecond: number;
  /** Requests one client address may send at once, the rate included. */
  burst: number;
}

/** The relay's settings from the environment; throws an error naming the variable when one is malformed. */
export function relaySettings(env: Env = process.env): RelaySettings {
  const ratePerSecond = readCount(env, 'PAGE_OTLP_RATE', 10);
  const burst = readCount(env, 'PAGE_OTLP_BURST', 20);
  if (burst < ratePerSecond) {
    throw new Error(`PAGE_OTLP_BURST (${burst}) must be at least PAGE_OTLP_RATE (${ratePerSecond})`);
  }
  return {
    collectorUrl: collectorBrowserUrl(env),
    ratePerSecond,
    burst,
  };
}

/**
 * A handler for the page's exports: answers `/v1/traces` and resolves true, or resolves false, having
 * sent nothing, for any other path.
 */
export function otlpRelay(
  { collectorUrl, ratePerSecond, burst }: RelaySettings,
  { reportEveryMs = REPORT_EVERY_MS }: { reportEveryMs?: number } = {},
) {
  const refuse = countedRefusals(reportEveryMs);
  const limiter = new BurstyRateLimiter(
    new RateLimiterMemory({ points: ratePerSecond, duration: 1 }),
    new RateLimiterMemory({ points: burst - ratePerSecond, duration: BURST_SECONDS }),
  );
  const target = new URL(OTLP_TRACES_PATH, `${collectorUrl}/`);

  return async function relay(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (new URL(request.url ?? '/', 'http://page').pathname !== OTLP_TRACES_PATH) return false;
    if (request.method !== 'POST') {
      refuse(response, 405, `${OTLP_TRACES_PATH} takes only POST`, { Allow: 'POST' });
      return true;
    }
    const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
    if (!type || !CONTENT_TYPES.has(type)) {
      refuse(response, 415, `${OTLP_TRACES_PATH} takes application/json or application/x-protobuf`);
      return true;
    }
    try {
      await limiter.consume(request.socket.remoteAddress ?? 'unknown');
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      refuse(response, 429, `too many exports from this client: try again in ${seconds} s`, {
        'Retry-After': String(seconds),
      });
      return true;
    }
    if (Number(request.headers['content-length']) > MAX_BODY_BYTES) {
      refuse(response, 413, tooLarge());
      return true;
    }
    await forward(request, response, target, refuse);
    return true;
  };
}

function tooLarge(): string {
  return `an export is at most ${MAX_BODY_BYTES} bytes: send fewer spans in each (maxExportBatchSize)`;
}

/**
 * Streams the body to the collector, cut off with a 413 past MAX_BODY_BYTES whatever Content-Length
 * said, and the collector's status and body back; with tracing suppressed, so that an export makes no
 * spans of its own.
 */
async function forward(request: IncomingMessage, response: ServerResponse, target: URL, refuse: Refuse): Promise<void> {
  const headers: Record<string, string> = { 'Content-Type': request.headers['content-type']! };
  if (request.headers['content-encoding']) headers['Content-Encoding'] = request.headers['content-encoding'];
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = context.with(suppressTracing(context.active()), () =>
    send(target, { method: 'POST', headers, timeout: COLLECTOR_TIMEOUT_MS }),
  );
  upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${COLLECTOR_TIMEOUT_MS} ms`)));
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    upstream.once('response', resolve).once('error', reject);
  });
  const sent = new Promise<void>((resolve, reject) => {
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) return;
      request.unpipe(upstream);
      // Read and drop the rest, so that the 413 can be answered; the connection closes after it.
      request.resume();
      reject(new BodyTooLarge());
    });
    request.once('end', resolve);
    request.once('close', () => request.complete || reject(new ClientGone()));
    request.pipe(upstream);
  });
  try {
    const [collector] = await Promise.all([answer, sent]);
    const passed: Record<string, string> = {};
    for (const name of ['content-type', 'retry-after'] as const) {
      const value = collector.headers[name];
      if (value) passed[name] = value;
    }
    response.writeHead(collector.statusCode ?? 502, passed);
    await pipeline(collector, response);
  } catch (error) {
    upstream.destroy();
    if (error instanceof BodyTooLarge) return refuse(response, 413, tooLarge());
    if (error instanceof ClientGone) return void response.destroy();
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    console.error(`hello-page server: the collector at ${target.origin} did not take an export (${reason})`);
    refuse(
      response,
      502,
      `the collector at ${target.origin} is not reachable (${reason}); the spans are not stored. Start it, or set COLLECTOR_BROWSER_URL for the page server.`,
    );
  }
}

class BodyTooLarge extends Error {}
class ClientGone extends Error {}

type Refuse = (response: ServerResponse, status: number, text: string, headers?: Record<string, string>) => void;

const REPORT_EVERY_MS = 10_000;
const REFUSALS: Record<number, string> = {
  405: 'not a POST',
  413: `over ${MAX_BODY_BYTES} bytes, which the page does not send again`,
  415: 'not OTLP JSON or protobuf',
  429: 'past the rate, which the page sends again later',
  502: 'the collector unreachable',
};

/**
 * Refusals, counted by status and logged in one line at most every `reportEveryMs`, so that a flood
 * of them does not flood the log.
 */
function countedRefusals(reportEveryMs: number): Refuse {
  const counts = new Map<number, number>();
  let report: NodeJS.Timeout | undefined;
  return (response, status, text, headers) => {
    counts.set(status, (counts.get(status) ?? 0) + 1);
    report ??= setTimeout(() => {
      const refused = [...counts].map(([code, count]) => `${count} × ${code} (${REFUSALS[code]})`).join(', ');
      console.error(`hello-page relay refused exports in the last ${reportEveryMs / 1000} s: ${refused}`);
      counts.clear();
      report = undefined;
    }, reportEveryMs).unref();
    // The connection closes, as the body may still be arriving.
    sendText(response, status, text, { ...headers, Connection: 'close' });
  };
}
