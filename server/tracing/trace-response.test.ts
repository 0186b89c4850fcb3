import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { AlwaysOffSampler, AlwaysOnSampler, createAlwaysRecordSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Sampler } from '@opentelemetry/sdk-trace';
import { traceResponse } from './trace-response.ts';

/** The headers traceResponse sets for a span that `sampler` decides on. */
function headersFor(sampler: Sampler) {
  const span = new TracerProvider({ sampler }).getTracer('test').startSpan('GET');
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  traceResponse(span, response);
  const { traceId, spanId } = span.spanContext();
  return {
    traceId,
    spanId,
    traceresponse: response.getHeader('traceresponse'),
    timing: response.getHeader('server-timing'),
  };
}

test('a sampled span is named with its ids and flags 01, in traceresponse and Server-Timing', () => {
  const { traceId, spanId, traceresponse, timing } = headersFor(new AlwaysOnSampler());
  assert.equal(traceresponse, `00-${traceId}-${spanId}-01`);
  assert.equal(timing, `traceparent;desc="00-${traceId}-${spanId}-01"`);
});

test('a span recorded but not sampled says so with flags 00', () => {
  const { traceId, spanId, traceresponse } = headersFor(createAlwaysRecordSampler(new AlwaysOffSampler()));
  assert.equal(traceresponse, `00-${traceId}-${spanId}-00`);
});

test('a span that is not recorded is not named', () => {
  const { traceresponse, timing } = headersFor(new AlwaysOffSampler());
  assert.equal(traceresponse, undefined);
  assert.equal(timing, undefined);
});

test("the response to an outgoing request is left alone: instrumentation-http's responseHook sees both", () => {
  const span = new TracerProvider({ sampler: new AlwaysOnSampler() }).getTracer('test').startSpan('GET');
  const response = new IncomingMessage(new Socket());
  traceResponse(span, response);
  assert.deepEqual(response.headers, {});
});
