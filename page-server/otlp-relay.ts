// The page's spans, exported to its own origin (`POST /v1/traces`), relayed to the collector's
// browser receiver: the one place that limits each client's rate, which no collector component does.
// The relay checks the method, the content type and encoding, the rate and the size, and streams the
// rest through untouched within a deadline: it never parses OTLP, and the collector's answer (a 2xx
// means stored) goes back as it is.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { ClientKey } from '@hello-trace/edge/client';
import { ClientRate, readRate, type Rate } from '@hello-trace/edge/rate';
import type { RefusalLog } from '@hello-trace/edge/refusals';
import type { Env } from '@hello-trace/env';
import { collectorBrowserUrl } from '@hello-trace/env/addresses';
import { sendText } from './answer.ts';

export const OTLP_TRACES_PATH = '/v1/traces';
/** The collector's `max_request_body_size` for the browser receiver (collector/shared.yaml). */
export const MAX_BODY_BYTES = 30_000;
const CONTENT_TYPES = new Set(['application/json', 'application/x-protobuf']);
/** What the collector decodes; the page's exporter sends identity (no Content-Encoding). */
const CONTENT_ENCODINGS = new Set(['identity', 'gzip']);
/** An export must have arrived and been answered by the collector within this long, however it trickles. */
export const RELAY_DEADLINE_MS = 10_000;
/** Exports a second from one client, at once, and from all clients (PAGE_OTLP_RATE, _BURST, _TOTAL_RATE). */
const DEFAULT_RATE: Rate = { perClient: 10, burst: 20, total: 200 };

export interface RelaySettings {
  /** The collector's browser receiver, its base URL. */
  collectorUrl: string;
  rate: Rate;
}

/** The relay's settings from the environment; throws an error naming the variable when one is malformed. */
export function relaySettings(env: Env = process.env): RelaySettings {
  const rate = readRate(env, 'PAGE_OTLP', DEFAULT_RATE);
  return { collectorUrl: collectorBrowserUrl(env), rate };
}

/** How the relay answers a refusal: counted and logged under `kind`, the connection closed. */
type Refuse = (status: number, text: string, kind: string, headers?: Record<string, string>) => void;

/**
 * A handler for the page's exports: answers `/v1/traces` and resolves true, or resolves false, having
 * sent nothing, for any other path. Each client is counted by `clientKey`; refusals go to `refusals`.
 */
export function otlpRelay(
  { collectorUrl, rate }: RelaySettings,
  { clientKey, refusals }: { clientKey: ClientKey; refusals: RefusalLog },
) {
  const exports = new ClientRate(OTLP_TRACES_PATH, rate, { clientKey, refusals });
  const target = new URL(OTLP_TRACES_PATH, `${collectorUrl}/`);

  return async function relay(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (URL.parse(request.url ?? '/', 'http://page')?.pathname !== OTLP_TRACES_PATH) return false;
    const refuse: Refuse = (status, text, kind, headers) => {
      refusals.count(`${status} ${OTLP_TRACES_PATH}: ${kind}`, clientKey(request));
      // The connection closes, as the body may still be arriving.
      sendText(response, status, text, { ...headers, Connection: 'close' });
    };
    if (request.method !== 'POST') {
      refuse(405, `${OTLP_TRACES_PATH} takes only POST`, 'not a POST', { Allow: 'POST' });
      return true;
    }
    const type = request.headers['content-type']?.split(';')[0].trim().toLowerCase();
    if (!type || !CONTENT_TYPES.has(type)) {
      refuse(415, `${OTLP_TRACES_PATH} takes application/json or application/x-protobuf`, 'not OTLP JSON or protobuf');
      return true;
    }
    const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (!CONTENT_ENCODINGS.has(encoding)) {
      refuse(415, `${OTLP_TRACES_PATH} takes no Content-Encoding, or gzip`, 'an encoding other than gzip');
      return true;
    }
    const tooSoon = await exports.check(request);
    if (tooSoon) {
      // Counted and logged by the rate itself.
      sendText(response, tooSoon.status, tooSoon.text, {
        'Retry-After': String(tooSoon.retryAfterSeconds),
        Connection: 'close',
      });
      return true;
    }
    if (Number(request.headers['content-length']) > MAX_BODY_BYTES) {
      refuse(413, tooLarge(), `over ${MAX_BODY_BYTES} bytes, which the page does not send again`);
      return true;
    }
    await forward(request, response, target, encoding, refuse);
    return true;
  };
}

function tooLarge(): string {
  return `an export is at most ${MAX_BODY_BYTES} bytes: send fewer spans in each (maxExportBatchSize)`;
}

/**
 * Streams the body to the collector, cut off with a 413 past MAX_BODY_BYTES whatever Content-Length
 * said, and the collector's status and body back, all within RELAY_DEADLINE_MS; with tracing
 * suppressed, so that an export makes no spans of its own.
 */
async function forward(
  request: IncomingMessage,
  response: ServerResponse,
  target: URL,
  encoding: string,
  refuse: Refuse,
): Promise<void> {
  const headers: Record<string, string> = { 'Content-Type': request.headers['content-type']! };
  if (encoding !== 'identity') headers['Content-Encoding'] = encoding;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = context.with(suppressTracing(context.active()), () => send(target, { method: 'POST', headers }));
  // A total deadline, not an idle one: a client that sends a few bytes every second cannot stretch it.
  const deadline = setTimeout(() => upstream.destroy(new DeadlinePassed()), RELAY_DEADLINE_MS);
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
    if (error instanceof BodyTooLarge) {
      return refuse(413, tooLarge(), `over ${MAX_BODY_BYTES} bytes, which the page does not send again`);
    }
    if (error instanceof ClientGone) return void response.destroy();
    const seconds = RELAY_DEADLINE_MS / 1000;
    if (error instanceof DeadlinePassed && !request.complete) {
      return refuse(408, `an export must arrive within ${seconds} s`, `not sent within ${seconds} s`);
    }
    const reason =
      error instanceof DeadlinePassed
        ? `no answer within ${seconds} s`
        : ((error as NodeJS.ErrnoException).code ?? 'the connection failed');
    refuse(
      502,
      `the collector did not take the export (${reason}); the spans are not stored. Start it, or set COLLECTOR_BROWSER_URL for the page server.`,
      `the collector at ${target.origin} did not take an export (${reason})`,
    );
  } finally {
    clearTimeout(deadline);
  }
}

class BodyTooLarge extends Error {}
class ClientGone extends Error {}
class DeadlinePassed extends Error {}
