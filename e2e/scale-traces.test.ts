// The scale path keeps traces whole although their spans come through different agents: 200 traces,
// each a span of the page's (OTLP/JSON to the browser agent, as the page server relays it) and a child
// span of a server's (to the server agent), a quarter of them with an error on one side. With the share
// of normal traces at 0, every error trace is stored complete and no normal one at all, and both
// gateways carry part of the traffic. Routed by service instead of trace id, the same traces are split
// across the gateways, and tail sampling stores parts of them: the control that shows the test can fail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSpanId, newTraceId, otlpJson } from '@hello-trace/harness/testing/otlp-json';
import { sendOtlp } from '@hello-trace/harness/testing/raw-request';
import {
  GATEWAYS,
  startScaleStack,
  waitUntil,
  waitUntilGatewaysDecided,
  type ScaleStack,
} from '@hello-trace/harness/testing/scale';

const TRACES = 200;
/**
 * The server side's spans come from this many services, as a trace's spans do in a system of many.
 * Prime to 4, so the error traces (every fourth) come from all of them: routed by service, the odds
 * that all their services land on the page's gateway, so that the control finds every trace whole,
 * are about 2⁻²⁵.
 */
const SERVER_SERVICES = 25;

interface SentTrace {
  traceId: string;
  error: 'page' | 'server' | undefined;
  serverService: string;
}

/** Sends every trace's page span to the browser agent and its server span to the server agent. */
async function sendTraces(stack: ScaleStack): Promise<SentTrace[]> {
  const traces: SentTrace[] = Array.from({ length: TRACES }, (_, i) => ({
    traceId: newTraceId(),
    error: i % 4 !== 0 ? undefined : i % 8 === 0 ? 'server' : 'page',
    serverService: `hello-server-${i % SERVER_SERVICES}`,
  }));
  const queue = traces.map(({ traceId, error, serverService }) => async () => {
    const page = { traceId, spanId: newSpanId(), name: 'StartRequests', error: error === 'page' };
    const answer = await sendOtlp(stack.browserAgentUrl, { body: otlpJson('hello-web', [page]) });
    assert.equal(answer.status, 200, answer.body);
    const server = {
      traceId,
      spanId: newSpanId(),
      parentSpanId: page.spanId,
      name: 'GET /hello',
      error: error === 'server',
    };
    const answered = await sendOtlp(stack.serverAgentUrl, { body: otlpJson(serverService, [server]) });
    assert.equal(answered.status, 200, answered.body);
  });
  // Eight senders at once, each sending its next trace once the last is answered.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let send = queue.shift(); send; send = queue.shift()) await send();
    }),
  );
  return traces;
}

/**
 * Waits until the gateways have received all 2 × TRACES spans and decided every trace they saw, their
 * Kafka queues are empty, and OpenSearch holds as many spans as they wrote to Kafka.
 */
async function untilAllStored(stack: ScaleStack): Promise<void> {
  await waitUntil('the gateways received every span', async () => {
    return (await stack.onGateways('otelcol_receiver_accepted_spans')) === 2 * TRACES;
  });
  await waitUntilGatewaysDecided(stack);
  await waitUntil('OpenSearch holds every span the gateways kept', async () => {
    if ((await stack.onGateways('otelcol_exporter_queue_size')) > 0) return false;
    const kept = await stack.onGateways('otelcol_exporter_sent_spans', { exporter: 'kafka' });
    return (await stack.storedSpanCount()) === kept;
  });
}

test(
  'routed by trace id, every error trace is stored complete, no normal one, and both gateways take part',
  { timeout: 300_000 },
  async () => {
    const stack = await startScaleStack({ keepPercent: 0 });
    try {
      const traces = await sendTraces(stack);
      await untilAllStored(stack);

      const errors = traces.filter((trace) => trace.error);
      for (const trace of errors) {
        const spans = await stack.traceSpans(trace.traceId);
        assert.deepEqual(
          spans.map((stored) => `${stored.service}: ${stored.name}`).toSorted(),
          [`${trace.serverService}: GET /hello`, 'hello-web: StartRequests'],
          `error trace ${trace.traceId} (error on the ${trace.error}'s span)`,
        );
      }
      for (const trace of traces.filter((candidate) => !candidate.error)) {
        assert.deepEqual(await stack.traceSpans(trace.traceId), [], `normal trace ${trace.traceId} was stored`);
      }
      const sampled = await stack.onGateways('otelcol_processor_tail_sampling_global_count_traces_sampled', {
        sampled: 'true',
      });
      assert.equal(sampled, errors.length, 'each trace decided once, on one gateway');

      const received = await Promise.all(
        GATEWAYS.map((gateway) => stack.counter(gateway, 'otelcol_receiver_accepted_spans')),
      );
      console.log(`# spans received by ${GATEWAYS.join(' and ')}: ${received.join(' and ')}`);
      for (const [i, count] of received.entries()) assert.ok(count > 0, `${GATEWAYS[i]} received no span`);
    } finally {
      await stack.stop();
    }
  },
);

test(
  'control: routed by service, the same traces are split across the gateways and stored in part',
  { timeout: 300_000 },
  async () => {
    const stack = await startScaleStack({ keepPercent: 0, routingKey: 'service' });
    try {
      const traces = await sendTraces(stack);
      await untilAllStored(stack);
      let partial = 0;
      for (const trace of traces.filter((candidate) => candidate.error)) {
        const spans = await stack.traceSpans(trace.traceId);
        // The side with the error is kept wherever it went; the other side only where it met it.
        assert.ok(spans.length >= 1, `error trace ${trace.traceId} lost its error span`);
        if (spans.length < 2) partial++;
      }
      console.log(`# ${partial} of ${TRACES / 4} error traces stored in part`);
      assert.ok(partial > 0, 'routed by service, every error trace was still whole');
    } finally {
      await stack.stop();
    }
  },
);
