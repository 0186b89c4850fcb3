// The downstream scenario: the greeter as its start script runs it, and the part of the trace that
// runs from HelloHandler to the greeter, wherever the spans were received.
import assert from 'node:assert/strict';
import { only } from './hello-trace.ts';
import { SpanKind, StatusCode, type ReceivedSpan } from './otlp-receiver.ts';
import { SERVER_ARGS, startServer, type RunningProcess } from './processes.ts';

/** Node's arguments for the greeter as `npm run start:greeter -w server` runs it, from `server/`. */
export const GREETER_ARGS = [...SERVER_ARGS.slice(0, -1), 'src/greeter/main.ts'];

/** The server's and the greeter's spans of one call of `GET /hello?scenario=downstream`. */
export const DOWNSTREAM_SPANS = ['GET /hello', 'HelloHandler', 'GET', 'GET /greeting', 'GreetHandler'];
/** A downstream click's whole trace: the page's spans, `StartRequests` and its `GET`, then the servers'. */
export const DOWNSTREAM_CLICK_SPANS = ['StartRequests', 'GET', ...DOWNSTREAM_SPANS];

/** The greeter, hello-greeter, with its tracing preload, on a free port. */
export function startGreeter(env: Record<string, string>): Promise<RunningProcess> {
  return startServer({ OTEL_SERVICE_NAME: 'hello-greeter', GREETER_PORT: '0', ...env }, { args: GREETER_ARGS });
}

/**
 * Asserts the chain from the server's SERVER span to the greeter's handler, in one trace:
 * GET /hello → HelloHandler → GET (CLIENT, fetch) → greeter's GET /greeting (SERVER) → GreetHandler,
 * with the baggage `name` at the greeter. Returns the server's SERVER span.
 */
export function assertDownstreamTrace(
  spans: ReceivedSpan[],
  { greeterUrl, name }: { greeterUrl: string; name: string },
): ReceivedSpan {
  const serverSpan = only(spans, 'hello-server', 'GET /hello');
  const handler = only(spans, 'hello-server', 'HelloHandler');
  const call = only(spans, 'hello-server', 'GET');
  const greeterSpan = only(spans, 'hello-greeter', 'GET /greeting');
  const greet = only(spans, 'hello-greeter', 'GreetHandler');
  assert.equal(new Set([serverSpan, handler, call, greeterSpan, greet].map((span) => span.traceId)).size, 1);

  assert.equal(handler.parentSpanId, serverSpan.spanId);
  assert.equal(handler.attributes['app.scenario'], 'downstream');
  assert.equal(handler.attributes['app.baggage.name'], name);

  assert.equal(call.parentSpanId, handler.spanId);
  assert.equal(call.scope, '@opentelemetry/instrumentation-undici', 'the CLIENT span of fetch');
  assert.equal(call.kind, SpanKind.CLIENT);
  assert.equal(call.status.code, StatusCode.UNSET);
  assert.equal(call.attributes['url.full'], `${greeterUrl}/greeting`);
  assert.equal(call.attributes['http.request.method'], 'GET');
  assert.equal(call.attributes['http.response.status_code'], 200);

  assert.equal(greeterSpan.parentSpanId, call.spanId, "the greeter continues the server's trace");
  assert.equal(greeterSpan.kind, SpanKind.SERVER);
  assert.equal(greeterSpan.scope, '@opentelemetry/instrumentation-http', "the greeter's SERVER span is the stock one");
  assert.equal(greeterSpan.attributes['http.route'], '/greeting');
  assert.equal(greeterSpan.attributes['http.response.status_code'], 200);

  assert.equal(greet.parentSpanId, greeterSpan.spanId);
  assert.equal(greet.kind, SpanKind.INTERNAL);
  assert.equal(greet.attributes['app.baggage.name'], name);
  return serverSpan;
}
