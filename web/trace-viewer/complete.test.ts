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

test('a page load is complete with documentLoad and every parent, the page server absent or there', () => {
  const load = span('documentLoad', 'a1');
  const fetch = span('documentFetch', 'a2', 'a1');
  const resource = span('resourceFetch', 'a3', 'a1');
  assert.equal(isPageLoadComplete([load, fetch, resource]), true, 'a trace of its own');
  assert.equal(isPageLoadComplete([fetch, resource]), false, 'documentLoad is still on its way');
  const continued = span('documentLoad', 'a1', 'b1');
  assert.equal(isPageLoadComplete([continued, fetch]), false, "the page server's span is still on its way");
  assert.equal(isPageLoadComplete([span('GET /', 'b1'), continued, fetch]), true);
  assert.equal(isPageLoadComplete([]), false);
});
