import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTraceComplete } from './complete.ts';
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
