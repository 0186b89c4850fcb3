import assert from 'node:assert/strict';
import { SpanKind, StatusCode, type ReceivedSpan } from './otlp-receiver.ts';

/** The spans of one successful "Say hello", wherever they were received. */
export const HELLO_SPANS = ['StartRequests', 'GET', 'GET /hello', 'HelloHandler'];

export function only(spans: ReceivedSpan[], service: string, name: string): ReceivedSpan {
  const found = spans.filter((span) => span.service === service && span.name === name);
  assert.equal(found.length, 1, `expected one ${service} span "${name}", got ${found.length}`);
  return found[0];
}

/**
 * Asserts the trace of one successful "Say hello" as `name`, fetching `url`: click → fetch (CLIENT)
 * → server (SERVER) → … → HelloHandler, all in one trace, with the HTTP attributes and the baggage.
 */
export function assertHelloTrace(spans: ReceivedSpan[], { url, name }: { url: string; name: string }): void {
  const click = only(spans, 'hello-web', 'StartRequests');
  const fetchSpan = only(spans, 'hello-web', 'GET');
  const serverSpan = only(spans, 'hello-server', 'GET /hello');
  const handler = only(spans, 'hello-server', 'HelloHandler');
  assert.equal(new Set(spans.map((span) => span.traceId)).size, 1, 'one trace id across all spans');

  assert.equal(click.parentSpanId, '');
  assert.equal(click.kind, SpanKind.INTERNAL);
  assert.equal(click.status.code, StatusCode.UNSET);

  assert.equal(fetchSpan.parentSpanId, click.spanId);
  assert.equal(fetchSpan.kind, SpanKind.CLIENT);
  assert.equal(fetchSpan.attributes['http.request.method'], 'GET');
  assert.equal(fetchSpan.attributes['url.full'], url);
  assert.equal(fetchSpan.attributes['http.response.status_code'], 200);
  // Timing-Allow-Origin from the server lets the browser keep the request's network timings.
  const timings = fetchSpan.events.map((event) => event.name);
  for (const timing of ['fetchStart', 'connectStart', 'requestStart', 'responseStart', 'responseEnd']) {
    assert.ok(timings.includes(timing), `fetch span lacks the ${timing} event: ${timings.join(', ')}`);
  }

  assert.equal(serverSpan.parentSpanId, fetchSpan.spanId);
  assert.equal(serverSpan.kind, SpanKind.SERVER);
  assert.equal(serverSpan.attributes['http.request.method'], 'GET');
  assert.equal(serverSpan.attributes['http.route'], '/hello');
  assert.equal(serverSpan.attributes['http.response.status_code'], 200);

  // No span per Express middleware or handler between them.
  assert.equal(handler.parentSpanId, serverSpan.spanId, 'HelloHandler is not a child of the SERVER span');
  assert.equal(handler.kind, SpanKind.INTERNAL);
  assert.equal(handler.attributes['app.baggage.name'], name);
}

/**
 * The spans of one page load: the page server's SERVER span for the document, documentLoad under it,
 * and under that the page's own fetch and one per resource.
 */
export const PAGE_LOAD_SPANS = ['GET /', 'documentLoad', 'documentFetch', 'resourceFetch'];
