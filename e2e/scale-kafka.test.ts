// Kafka keyed by trace id: every span of a trace lands in one partition of the topic jaeger-spans,
// which has three, so that up to three ingesters could share it and each read whole traces. 60 traces,
// each a page span, its root, and 3 s later a server span, its child: the gateway decides each trace 1
// to 2 s after its root and writes it to Kafka, and the child, coming after the decision, follows it
// (the decision cache) in a message of its own. Read back with Kafka's own console consumer: every
// message is keyed by the trace id of the spans it holds, every trace's two messages are in one
// partition, and the traces are spread over more than one partition.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { kafkaRecords, kafkaTopics } from '@hello-trace/harness/engines';
import { newSpanId, newTraceId, otlpJson } from '@hello-trace/harness/testing/otlp-json';
import { decodeTraceRequest } from '@hello-trace/harness/testing/otlp-receiver';
import { sendOtlp } from '@hello-trace/harness/testing/raw-request';
import { startScaleStack, waitUntil } from '@hello-trace/harness/testing/scale';

const TRACES = 60;
const TOPIC = 'jaeger-spans';
/** Past the gateway's decision, which comes within a second or two of the root span (decidedWithinMs). */
const CHILD_DELAY_MS = 3_000;

test(
  'every span of a trace lands in one partition of a topic of three, and the traces use more than one',
  { timeout: 300_000 },
  async () => {
    const stack = await startScaleStack();
    try {
      const traceIds = Array.from({ length: TRACES }, () => newTraceId());
      const roots = new Map(traceIds.map((traceId) => [traceId, newSpanId()]));
      await Promise.all(
        traceIds.map(async (traceId) => {
          const root = { traceId, spanId: roots.get(traceId)!, name: 'StartRequests' };
          const answer = await sendOtlp(stack.browserAgentUrl, { body: otlpJson('hello-web', [root]) });
          assert.equal(answer.status, 200, answer.body);
        }),
      );
      await sleep(CHILD_DELAY_MS);
      await Promise.all(
        traceIds.map(async (traceId) => {
          const child = { traceId, spanId: newSpanId(), parentSpanId: roots.get(traceId), name: 'GET /hello' };
          const answer = await sendOtlp(stack.serverAgentUrl, { body: otlpJson('hello-server', [child]) });
          assert.equal(answer.status, 200, answer.body);
        }),
      );
      await waitUntil('every span stored', async () => (await stack.storedSpanCount()) === 2 * TRACES);
      const late = await stack.onGateways('otelcol_processor_tail_sampling_early_releases_from_cache_decision');
      assert.equal(late, TRACES, 'the children came after their traces were decided');

      const bootstrap = `127.0.0.1:${stack.env.KAFKA_PORT}`;
      const described = await kafkaTopics(['--bootstrap-server', bootstrap, '--describe', '--topic', TOPIC]);
      assert.match(described, /PartitionCount: 3\b/, described);
      const records = await kafkaRecords(bootstrap, TOPIC);
      // Each trace's partitions and messages, by the trace ids of the spans in each message.
      const partitions = new Map<string, Set<number>>();
      const messages = new Map<string, number>();
      const misKeyed: string[] = [];
      for (const { partition, key, value } of records) {
        const spanTraces = [...new Set(decodeTraceRequest(value).map((span) => span.traceId))];
        for (const traceId of spanTraces) {
          partitions.set(traceId, (partitions.get(traceId) ?? new Set()).add(partition));
          messages.set(traceId, (messages.get(traceId) ?? 0) + 1);
        }
        if (spanTraces.join() !== key) misKeyed.push(`[${spanTraces.join(', ')}] keyed ${key}`);
      }
      const used = new Set(records.map(({ partition }) => partition));
      console.log(
        `# ${records.length} messages in partitions ${[...used].toSorted().join(', ')}, of ${traceIds.length} traces`,
      );
      for (const traceId of traceIds) {
        assert.equal(messages.get(traceId), 2, `trace ${traceId}'s messages`);
        const where = [...(partitions.get(traceId) ?? [])];
        assert.equal(where.length, 1, `trace ${traceId} in partitions ${where.join(', ')}`);
      }
      assert.deepEqual(misKeyed, [], 'messages not keyed by the one trace id of their spans');
      assert.ok(used.size > 1, `every trace in partition ${[...used].join()}`);
    } finally {
      await stack.stop();
    }
  },
);
