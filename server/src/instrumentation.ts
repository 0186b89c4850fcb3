// Preloaded with `node --import` so that tracing starts before the app loads http and express.
// Everything else (service name, exporter, sampler, propagators, batching) comes from the OTEL_* variables.
import { Server, ServerResponse, type IncomingMessage } from 'node:http';
import { register } from 'node:module';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ExportResultCode,
  getBooleanFromEnv,
  getNumberFromEnv,
  getStringFromEnv,
  getStringListFromEnv,
  setGlobalErrorHandler,
  type ExportResult,
} from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { outgoingCalls } from './tracing/outgoing-calls.ts';

/** The official instrumentations this server can use instead of its own SERVER span. */
const OFFICIAL = ['http', 'express'];
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);

const official = getStringListFromEnv('OTEL_NODE_ENABLED_INSTRUMENTATIONS') ?? [];
const unknown = official.filter((name) => !OFFICIAL.includes(name));
if (unknown.length > 0) {
  console.error(
    `hello-server cannot start: OTEL_NODE_ENABLED_INSTRUMENTATIONS may list ${OFFICIAL.join(' and ')}, got "${unknown.join(', ')}"`,
  );
  process.exit(1);
}

const endpoint =
  getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ??
  getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT') ??
  'http://localhost:4318';
const traceExporter = ['otlp', undefined].includes(getStringFromEnv('OTEL_TRACES_EXPORTER'))
  ? patientExporter(await otlpExporter())
  : undefined;
const sdk = new NodeSDK({
  traceExporter,
  instrumentations: [
    ...(await officialInstrumentations(official)),
    // Outgoing http requests and fetch, each a CLIENT span that continues the trace.
    ...outgoingCalls({ fullHttp: official.includes('http') }),
  ],
});
sdk.start();
if (official.length === 0 && !getBooleanFromEnv('OTEL_SDK_DISABLED')) traceIncomingRequests();

// Without this, a failed export prints nothing (or, with OTEL_LOG_LEVEL set, a JSON blob).
setGlobalErrorHandler((error) =>
  console.error(`OpenTelemetry: ${reasonOf(error)}. Spans go to ${endpoint}. Requests are still served.`),
);

// The app owns SIGTERM/SIGINT and drains its requests; once nothing is left to run, flush the spans.
// A batch waiting for an absent collector would keep the process alive, so a signal ends the wait.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    traceExporter?.stopWaiting();
    // Without a handler of the app's own, the signal ends the process as it would without this one.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}
process.once('beforeExit', () => {
  sdk
    .shutdown()
    .catch((error: unknown) => console.error(`OpenTelemetry: the last spans were lost: ${reasonOf(error)}`));
});

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The OTLP exporter that OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL names, as NodeSDK would choose it. */
async function otlpExporter(): Promise<SpanExporter> {
  const protocol =
    getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf';
  if (protocol === 'grpc') return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  if (protocol === 'http/json')
    return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}

const RETRY_PAUSE_MS = 1_000;

/**
 * The OTLP exporter retries a failed batch 5 times over about 13 s, then the batch processor drops
 * it. So that a collector away for longer (restarted, upgraded) costs no spans, this tries the
 * batch in flight again until OTEL_BSP_EXPORT_TIMEOUT runs out, while newer spans wait in the
 * processor's bounded queue (OTEL_BSP_MAX_QUEUE_SIZE), which counts and logs what overflows.
 */
function patientExporter(exporter: SpanExporter): SpanExporter & { stopWaiting(): void } {
  // One attempt takes up to the exporter's own timeout, within which it retries.
  const attemptMs =
    getNumberFromEnv('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? getNumberFromEnv('OTEL_EXPORTER_OTLP_TIMEOUT') ?? 10_000;
  const patienceMs = getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT') ?? 30_000;
  let waiting = true;
  let failing = false;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      const giveUpAt = Date.now() + patienceMs;
      const attempt = () =>
        exporter.export(spans, (result) => {
          if (result.code === ExportResultCode.SUCCESS) {
            if (failing) console.error(`OpenTelemetry: the collector at ${endpoint} accepts spans again.`);
            failing = false;
            done(result);
          } else if (!waiting || Date.now() + RETRY_PAUSE_MS + attemptMs > giveUpAt) {
            done(result);
          } else {
            if (!failing) {
              console.error(
                `OpenTelemetry: ${reasonOf(result.error)}. Spans go to ${endpoint}: is the collector running? ` +
                  'Requests are still served; spans wait (OTEL_BSP_MAX_QUEUE_SIZE) and are sent once it answers.',
              );
            }
            failing = true;
            setTimeout(attempt, RETRY_PAUSE_MS).unref();
          }
        });
      attempt();
    },
    /** On the way out, a batch gets the exporter's own retries only. */
    stopWaiting: () => void (waiting = false),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** Health checks and CORS preflights carry no trace context; tracing them would only add a root trace each. */
function isUntraced(request: IncomingMessage): boolean {
  return request.method === 'OPTIONS' || request.url === '/healthz';
}

/**
 * The SERVER span of each request, started from `http.Server`'s `request` event: the spans and
 * attributes of `@opentelemetry/instrumentation-http` that this app needs, at a fraction of its
 * cost per request (README, Performance). An unsampled request only gets its context propagated.
 */
function traceIncomingRequests(): void {
  const tracer = trace.getTracer('hello-server-http');
  const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    const [request, response] = args as [IncomingMessage, ServerResponse];
    if (event !== 'request' || isUntraced(request)) return emit.call(this, event, ...args);
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const method = methodOf(request);
    const span = tracer.startSpan(spanName(method), { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) recordServerSpan(span, method, request, response);
    return context.with(trace.setSpan(parent, span), emit, this, event, ...args);
  } as typeof Server.prototype.emit;
}

function recordServerSpan(span: Span, method: string, request: IncomingMessage, response: ServerResponse): void {
  const { path, query } = splitTarget(request.url ?? '/');
  span.setAttributes({
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_SCHEME]: 'http',
    [ATTR_URL_PATH]: path,
    [ATTR_CLIENT_ADDRESS]: request.socket.remoteAddress,
    [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
    [ATTR_USER_AGENT_ORIGINAL]: request.headers['user-agent'],
  });
  if (query) span.setAttribute(ATTR_URL_QUERY, query);
  if (method === '_OTHER') span.setAttribute(ATTR_HTTP_REQUEST_METHOD_ORIGINAL, request.method ?? '');
  nameServerSpan(span, response);
  response.once('close', () => {
    nameRoute(span, request);
    if (!response.writableFinished) {
      span.setAttribute(ATTR_ERROR_TYPE, '_OTHER');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the connection closed before the response was sent' });
    } else {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
      if (response.statusCode >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(response.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end();
  });
}

/** The path and query of a request target: origin-form (/hello?x=1) by hand, anything else parsed. */
function splitTarget(target: string): { path: string; query: string } {
  if (!target.startsWith('/')) {
    const url = URL.parse(target);
    return url ? { path: url.pathname, query: url.search.slice(1) } : { path: target, query: '' };
  }
  const queryAt = target.indexOf('?');
  return queryAt === -1
    ? { path: target, query: '' }
    : { path: target.slice(0, queryAt), query: target.slice(queryAt + 1) };
}

/**
 * Names the SERVER span in the response, as `traceresponse` (W3C Trace Context Level 3 draft) and
 * as a Server-Timing entry, so that the page can link to it. Unsampled spans are never recorded.
 */
function nameServerSpan(span: Span, response: ServerResponse): void {
  if (!span.isRecording()) return;
  const { traceId, spanId } = span.spanContext();
  const traceparent = `00-${traceId}-${spanId}-01`;
  response.setHeader('traceresponse', traceparent);
  response.appendHeader('Server-Timing', `traceparent;desc="${traceparent}"`);
}

/** The method as semantic conventions record it: one of the known ones, or `_OTHER`. */
function methodOf(request: IncomingMessage): string {
  return KNOWN_METHODS.has(request.method ?? '') ? request.method! : '_OTHER';
}

/** `GET`, or `GET /hello` once the route is known; `HTTP` stands for a method that is not a known one. */
function spanName(method: string, route?: string): string {
  const name = method === '_OTHER' ? 'HTTP' : method;
  return route ? `${name} ${route}` : name;
}

/** Names the span after the route Express matched (its documented `req.baseUrl` and `req.route`), such as `GET /hello`. */
function nameRoute(span: Span, request: IncomingMessage): void {
  const { baseUrl, route } = request as IncomingMessage & { baseUrl?: string; route?: { path?: unknown } };
  if (typeof route?.path !== 'string') return;
  const path = `${baseUrl ?? ''}${route.path}`;
  span.setAttribute(ATTR_HTTP_ROUTE, path).updateName(spanName(methodOf(request), path));
}

/**
 * The official instrumentations named in OTEL_NODE_ENABLED_INSTRUMENTATIONS: `http,express` gives
 * the SERVER span plus a span per Express middleware and request handler (README, Spans you should see).
 */
async function officialInstrumentations(names: string[]): Promise<Instrumentation[]> {
  const instrumentations: Instrumentation[] = [];
  if (names.includes('http')) {
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    instrumentations.push(
      new HttpInstrumentation({
        ignoreIncomingRequestHook: isUntraced,
        // Runs as the SERVER span starts, before the app.
        responseHook: (span, response) => {
          if (response instanceof ServerResponse) nameServerSpan(span, response);
        },
        // The Express instrumentation names the route; without it, Express's req.route does.
        applyCustomAttributesOnSpan: names.includes('express')
          ? undefined
          : (span, request) => nameRoute(span, request as IncomingMessage),
      }),
    );
  }
  if (names.includes('express')) {
    // The app is an ES module: this loader hook lets the instrumentation patch the express it imports.
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
    const { ExpressInstrumentation } = await import('@opentelemetry/instrumentation-express');
    instrumentations.push(new ExpressInstrumentation());
  }
  return instrumentations;
}
