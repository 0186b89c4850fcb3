import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMs, isTraceComplete, layoutWaterfall, parseJaegerTrace, type TraceSpan } from './trace.ts';

const MS = 1_000_000n;
const T0 = 1_795_000_000_000n * MS;
const at = (ms: number) => String(T0 + BigInt(ms) * MS);

function otlpSpan(spanId: string, parentSpanId: string, name: string, fromMs: number, toMs: number, extra: object = {}) {
  return { traceId: 'ab'.repeat(16), spanId, parentSpanId, name, startTimeUnixNano: at(fromMs), endTimeUnixNano: at(toMs), ...extra };
}

const jaegerAnswer = {
  result: {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hello-web' } }] },
        scopeSpans: [
          {
            spans: [
              otlpSpan('a1', '', 'StartRequests', 0, 40, { kind: 1 }),
              otlpSpan('a2', 'a1', 'GET', 2, 38, {
                kind: 3,
                attributes: [
                  { key: 'http.response.status_code', value: { intValue: '500' } },
                  { key: 'url.full', value: { stringValue: 'http://localhost:8000/hello' } },
                ],
                status: { code: 2, message: 'boom' },
              }),
            ],
          },
        ],
      },
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hello-server' } }] },
        scopeSpans: [
          {
            spans: [
              otlpSpan('b1', 'a2', 'GET /hello', 10, 30, { kind: 2 }),
              otlpSpan('b3', 'b1', 'HelloHandler', 20, 25, {
                kind: 1,
                events: [{ name: 'exception', timeUnixNano: at(22), attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }] }],
              }),
              otlpSpan('b2', 'b1', 'middleware', 12, 13, { kind: 1 }),
            ],
          },
        ],
      },
    ],
  },
};

test('parses Jaeger API v3 (OTLP/JSON) into spans with services, kinds, statuses and times', () => {
  const spans = parseJaegerTrace(jaegerAnswer);
  assert.equal(spans.length, 5);
  const fetchSpan = spans.find((span) => span.name === 'GET')!;
  assert.deepEqual(
    { service: fetchSpan.service, kind: fetchSpan.kind, status: fetchSpan.status, statusMessage: fetchSpan.statusMessage },
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

test('lays the tree out in order, children under their parent, on one time axis', () => {
  const rows = layoutWaterfall(parseJaegerTrace(jaegerAnswer));
  assert.deepEqual(
    rows.map((row) => [row.name, row.depth]),
    [['StartRequests', 0], ['GET', 1], ['GET /hello', 2], ['middleware', 3], ['HelloHandler', 3]],
  );
  const server = rows.find((row) => row.name === 'GET /hello')!;
  assert.equal(server.offsetPercent, 25);
  assert.equal(server.widthPercent, 50);
  assert.equal(rows.find((row) => row.name === 'middleware')!.widthPercent, 2.5);
});

test('a span whose parent has not arrived is shown as a root', () => {
  const spans = parseJaegerTrace(jaegerAnswer).filter((span) => span.name !== 'GET');
  assert.deepEqual(
    layoutWaterfall(spans).map((row) => [row.name, row.depth]),
    [['StartRequests', 0], ['GET /hello', 0], ['middleware', 1], ['HelloHandler', 1]],
  );
});

test('complete means both processes are there and no span lacks its parent', () => {
  const spans = parseJaegerTrace(jaegerAnswer);
  const without = (name: string): TraceSpan[] => spans.filter((span) => span.name !== name);
  assert.equal(isTraceComplete(spans, 'hello-web'), true);
  assert.equal(isTraceComplete(without('GET'), 'hello-web'), false, 'the fetch span is still on its way');
  assert.equal(isTraceComplete(spans.filter((span) => span.service === 'hello-web'), 'hello-web'), false);
  assert.equal(isTraceComplete(spans.filter((span) => span.service === 'hello-server'), 'hello-web'), false);
  assert.equal(isTraceComplete([], 'hello-web'), false);
});

test('durations read as people write them', () => {
  assert.equal(formatMs(0.42), '0.4 ms');
  assert.equal(formatMs(301.5), '302 ms');
  assert.equal(formatMs(1534), '1.53 s');
});
