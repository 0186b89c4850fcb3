import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPageLoadComplete, isTraceComplete } from './complete.ts';
import { jaegerAnswer } from './fixture.ts';
import { parseJaegerTrace, type TraceSpan } from './parse.ts';

test('complete means both processes are there and no span lacks its parent', () => {
  const spans = parseJaegerTrace(jaegerAnswer);
  const without = (name: string): TraceSpan[] => spans.filter((span) => span.name !== name);
  assert.equal(isTraceComplete(spans, 'hello-web'), true);
  assert.equal(isTraceComplete(without('GET'), 'hello-web'), false, 'the fetch span is still on its way');
  assert.equal(
    isTraceComplete(
      spans.filter((span) => span.service === 'hello-web'),
      'hello-web',
    ),
    false,
  );
  assert.equal(
    isTraceComplete(
      spans.filter((span) => span.service === 'hello-server'),
      'hello-web',
    ),
    false,
  );
  assert.equal(isTraceComplete([], 'hello-web'), false);
});

const span = (name: string, spanId: string, parentSpanId = ''): TraceSpan => ({
  ...parseJaegerTrace(jaegerAnswer)[0],
  name,
  spanId,
  parentSpanId,
});

/** As a second poll that found the same spans. */
const settled = (spans: TraceSpan[]) => isPageLoadComplete(spans, spans);

test('a page load is complete with documentLoad and every parent, the page server absent or there', () => {
  const load = span('documentLoad', 'a1');
  const fetch = span('documentFetch', 'a2', 'a1');
  const resource = span('resourceFetch', 'a3', 'a1');
  assert.equal(settled([load, fetch, resource]), true, 'a trace of its own');
  assert.equal(settled([fetch, resource]), false, 'documentLoad is still on its way');
  const continued = span('documentLoad', 'a1', 'b1');
  assert.equal(settled([continued, fetch]), false, "the page server's span is still on its way");
  assert.equal(settled([span('GET /', 'b1'), continued, fetch]), true);
  assert.equal(settled([]), false);
});

test("a page load is complete once a poll finds no more spans than the one before: its vitals' batch may follow", () => {
  const load = span('documentLoad', 'a1');
  const fetch = span('documentFetch', 'a2', 'a1');
  const firstPaint = span('webVital FCP', 'a3', 'a1');
  assert.equal(isPageLoadComplete([load, fetch]), false, 'the first poll');
  assert.equal(isPageLoadComplete([load, fetch, firstPaint], [load, fetch]), false);
  assert.equal(isPageLoadComplete([load, fetch, firstPaint], [load, fetch, firstPaint]), true);
});
