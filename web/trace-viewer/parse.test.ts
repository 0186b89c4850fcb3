import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jaegerAnswer } from './fixture.ts';
import { parseJaegerTrace } from './parse.ts';

test('parses Jaeger API v3 (OTLP/JSON) into spans with services, kinds, statuses and times', () => {
  const spans = parseJaegerTrace(jaegerAnswer);
  assert.equal(spans.length, 5);
  const fetchSpan = spans.find((span) => span.name === 'GET')!;
  assert.deepEqual(
    {
      service: fetchSpan.service,
      kind: fetchSpan.kind,
      status: fetchSpan.status,
      statusMessage: fetchSpan.statusMessage,
    },
    { service: 'hello-web', kind: 'client', status: 'error', statusMessage: 'boom' },
  );
  assert.equal(fetchSpan.durationMs, 36);
  assert.deepEqual(fetchSpan.attributes, [
    ['http.response.status_code', '500'],
    ['url.full', 'http://localhost:8000/hello'],
  ]);
  const handler = spans.find((span) => span.name === 'HelloHandler')!;
  assert.deepEqual(handler.events, [{ name: 'exception', atMs: 2, attributes: [['exception.message', 'boom']] }]);
  assert.equal(spans.find((span) => span.name === 'GET /hello')!.kind, 'server');
});

test('an empty or odd answer gives no spans rather than an error', () => {
  assert.deepEqual(parseJaegerTrace({}), []);
  assert.deepEqual(parseJaegerTrace({ result: {} }), []);
  assert.deepEqual(parseJaegerTrace({ result: { resourceSpans: [{}] } }), []);
});
