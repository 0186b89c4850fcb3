import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jaegerTraceUrl, traceLink } from './jaeger-links.ts';

const TRACE_ID = 'ab'.repeat(16);

test('the Jaeger link opens the trace by id', () => {
  assert.equal(jaegerTraceUrl('http://localhost:16686', TRACE_ID), `http://localhost:16686/trace/${TRACE_ID}`);
});

test('a trace link goes to the UI unless Jaeger serves none, and then to the trace as JSON from its API', () => {
  assert.equal(traceLink('http://localhost:16686', TRACE_ID, { ui: true }), `http://localhost:16686/trace/${TRACE_ID}`);
  assert.equal(
    traceLink('http://localhost:16686', TRACE_ID, undefined),
    `http://localhost:16686/trace/${TRACE_ID}`,
    'not known (yet)',
  );
  assert.equal(
    traceLink('http://localhost:16686', TRACE_ID, { ui: false, reason: 'no UI' }),
    `http://localhost:16686/api/v3/traces/${TRACE_ID}`,
  );
});
