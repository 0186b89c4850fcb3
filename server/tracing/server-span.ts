import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { getBooleanFromEnv } from '@opentelemetry/core';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import { capCallerValue } from './caller-values.ts';
import { methodOf, nameRoute, spanName } from './http-names.ts';
import { scrubUrls } from './scrub-urls.ts';

export interface ServerSpanHooks {
  /** Requests that get no SERVER span (they still reach the app). */
  isUntraced(request: IncomingMessage): boolean;
  /** Runs as each recorded SERVER span starts, before the app sees the request. */
  onStart(span: Span, response: ServerResponse): void;
  /** The query parameters whose values become REDACTED in `url.query`, as instrumentation-http's `redactedQueryParamsServer`. */
  redactedQueryParams: readonly string[];
}

/**
 * The lean SERVER span of each request (TRACING_LEAN_SERVER_SPAN=true), started from `http.Server`'s
 * `request` event: the span and the attributes of `@opentelemetry/instrumentation-http` that a server
 * needs, named after Express's route without `@opentelemetry/instrumentation-express`, at a fraction
 * of their cost per request (README.md). An unsampled request only gets its context propagated.
 */
export function traceIncomingRequests({ isUntraced, onStart, redactedQueryParams }: ServerSpanHooks): void {
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return;
  const tracer = trace.getTracer('server-span');
  const redacted = new Set(redactedQueryParams);
  const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    const [request, response] = args as [IncomingMessage, ServerResponse];
    if (event !== 'request' || isUntraced(request)) return emit.call(this, event, ...args);
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const method = methodOf(request);
    const span = tracer.startSpan(spanName(method), { kind: SpanKind.SERVER }, parent);
    if (span.isRecording()) {
      recordServerSpan(span, method, request, response, redacted);
      onStart(span, response);
    }
    return context.with(trace.setSpan(parent, span), emit, this, event, ...args);
  } as typeof Server.prototype.emit;
}

function recordServerSpan(
  span: Span,
  method: string,
  request: IncomingMessage,
  response: ServerResponse,
  redacted: ReadonlySet<string>,
): void {
  const { path, query } = splitTarget(request.url ?? '/');
  const userAgent = request.headers['user-agent'];
  // What the caller chooses is cut to 1 KiB (caller-values.ts), and secrets in the query are REDACTED
  // (scrub-urls.ts), as on the stock SERVER span.
  span.setAttributes({
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_SCHEME]: 'http',
    [ATTR_URL_PATH]: capCallerValue(path),
    [ATTR_CLIENT_ADDRESS]: request.socket.remoteAddress,
    [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
    [ATTR_USER_AGENT_ORIGINAL]: userAgent && capCallerValue(userAgent),
  });
  if (query) span.setAttribute(ATTR_URL_QUERY, capCallerValue(scrubUrls(query, redacted)));
  if (method === '_OTHER') span.setAttribute(ATTR_HTTP_REQUEST_METHOD_ORIGINAL, capCallerValue(request.method ?? ''));
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
