import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { BatchSpanProcessor, InMemorySpanExporter, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { SendWhenTraceEnds } from './send-when-trace-ends.ts';

/** A tracer whose batch delay is a minute: within a test, only SendWhenTraceEnds sends its spans. */
function tracerWithExporter() {
  const exporter = new InMemorySpanExporter();
  const batch = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 });
  const provider = new WebTracerProvider({ spanProcessors: [new SendWhenTraceEnds(batch)] });
  const sent = async () => {
    // The flush exports on a later turn of the event loop.
    await sleep(50);
    return exporter.getFinishedSpans().map((span) => span.name);
  };
  return { tracer: provider.getTracer('test'), provider, sent };
}

test("a trace's spans are sent when its last open span ends, not before", async () => {
  const { tracer, provider, sent } = tracerWithExporter();
  const click = tracer.startSpan('StartRequests');
  const fetchSpan = tracer.startSpan('GET', {}, trace.setSpan(context.active(), click));
  click.end();
  assert.deepEqual(await sent(), [], 'the fetch span is still open');
  fetchSpan.end();
  assert.deepEqual(await sent(), ['StartRequests', 'GET']);
  await provider.shutdown();
});

test('each trace is sent when its own last span ends', async () => {
  const { tracer, provider, sent } = tracerWithExporter();
  const first = tracer.startSpan('first');
  const second = tracer.startSpan('second');
  const secondChild = tracer.startSpan('second child', {}, trace.setSpan(context.active(), second));
  second.end();
  assert.deepEqual(await sent(), []);
  first.end();
  // The flush sends every ended span, the other trace's ended ones too.
  assert.deepEqual(await sent(), ['second', 'first']);
  secondChild.end();
  assert.deepEqual(await sent(), ['second', 'first', 'second child']);
  await provider.shutdown();
});
