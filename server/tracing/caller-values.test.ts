import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlwaysOffSampler, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { CALLER_VALUE_LIMIT, capCallerValues } from './caller-values.ts';

const long = 'a'.repeat(CALLER_VALUE_LIMIT + 1);

test('each string over 1 KiB that the span started with is cut to 1 KiB; the rest stay', () => {
  const span = new TracerProvider().getTracer('test').startSpan('GET', {
    attributes: { 'url.query': long, 'user_agent.original': 'curl/8.14.1', 'server.port': 8000 },
  });
  capCallerValues(span);
  assert.deepEqual((span as unknown as ReadableSpan).attributes, {
    'url.query': long.slice(0, CALLER_VALUE_LIMIT),
    'user_agent.original': 'curl/8.14.1',
    'server.port': 8000,
  });
});

test('a value set after it ran keeps the SDK’s limit', () => {
  const span = new TracerProvider().getTracer('test').startSpan('GET');
  capCallerValues(span);
  span.setAttribute('app.detail', long);
  assert.equal((span as unknown as ReadableSpan).attributes['app.detail'], long);
});

test('a span that records nothing is left alone', () => {
  const span = new TracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('test').startSpan('GET');
  assert.doesNotThrow(() => capCallerValues(span));
  assert.equal(span.isRecording(), false);
});
