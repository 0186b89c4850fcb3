// The ingester goes away under a steady load of 40 traces a second through both agents, every one kept.
//
// Stopped (SIGTERM) for 30 s: meanwhile the spans wait in Kafka, not in any process's memory: the
// gateways go on writing to Kafka without a failure, their queues stay near empty, and the ingester's
// consumer group falls behind by exactly the records they wrote, as Kafka's own consumer group tool
// reads it. Once the ingester is back, every span sent is in OpenSearch and the group has caught up.
//
// Killed (SIGKILL), three times, each started again at once: a message is marked read once its push
// to storage has returned, and Jaeger's OpenSearch writer returns before its bulk request is written
// (it sends one every 200 ms): a span handed to it in the moment before the kill, whose offset Kafka
// had committed (every second), is lost, and nothing logs it. Every other span is read again after the
// restart, some twice. The test measures the loss and asserts it is at most the spans the ingester
// handed to storage in the second before each kill, with the requests in the bulks it logged as failed.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { parse } from 'yaml';
import { kafkaConsumerGroups } from '@hello-trace/harness/engines';
import { storedSpans, type StoredSpans } from '@hello-trace/harness/testing/opensearch';
import { repoRoot } from '@hello-trace/harness/testing/processes';
import {
  decidedWithinMs,
  failedBulkRequests,
  startScaleStack,
  waitUntil,
  waitUntilGatewaysDecided,
  type ScaleStack,
} from '@hello-trace/harness/testing/scale';
import { spanKeys, traceLoad } from '@hello-trace/harness/testing/trace-load';

const RATE = 40;
const OUTAGE_MS = 30_000;

/** The ingester's consumer group, from its config. */
async function consumerGroup(): Promise<string> {
  const config = parse(await readFile(join(repoRoot, 'scale/ingester.yaml'), 'utf8')) as {
    receivers: { kafka: { group_id: string } };
  };
  return config.receivers.kafka.group_id;
}

/** The group's lag summed over the topic's partitions: records written that it has not consumed. */
async function lag(stack: ScaleStack, group: string): Promise<number> {
  const table = await kafkaConsumerGroups([
    '--bootstrap-server',
    `127.0.0.1:${stack.env.KAFKA_PORT}`,
    '--describe',
    '--group',
    group,
  ]);
  // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
  const rows = table.split('\n').filter((line) => line.startsWith(`${group} `));
  assert.ok(rows.length > 0, `Kafka's consumer group tool listed no partition for ${group}:\n${table}`);
  return rows.reduce((sum, row) => sum + Number(row.trim().split(/\s+/)[5]), 0);
}

/** Records the gateways wrote to Kafka. */
const recordsWritten = (stack: ScaleStack) =>
  stack.onGateways('otelcol_kafka_exporter_records', { outcome: 'success' });

/** Waits until OpenSearch holds every one of these spans; fails saying how many it lacks. */
async function waitUntilStored(stack: ScaleStack, keys: string[], what: string): Promise<StoredSpans> {
  let stored: StoredSpans = { copies: new Map(), documents: 0 };
  let missing = keys;
  await waitUntil(what, async () => {
    stored = await storedSpans(stack.openSearchUrls[0]);
    missing = keys.filter((key) => !stored.copies.has(key));
    return missing.length === 0;
  }).catch((error: Error) => {
    throw new Error(`${error.message}: ${missing.length} of ${keys.length} spans missing, such as ${missing[0]}`);
  });
  return stored;
}

/** The lag, and the records written just before and just after it was read. */
async function lagBetween(stack: ScaleStack, group: string): Promise<{ lag: number; before: number; after: number }> {
  const before = await recordsWritten(stack);
  const value = await lag(stack, group);
  return { lag: value, before, after: await recordsWritten(stack) };
}

test(
  'the ingester down for 30 s under 40 traces a second: the spans wait in Kafka, and every one is stored once it is back',
  { timeout: 240_000 },
  async () => {
    const stack = await startScaleStack();
    const group = await consumerGroup();
    const load = traceLoad({
      browserAgentUrl: stack.browserAgentUrl,
      serverAgentUrl: stack.serverAgentUrl,
      perSecond: RATE,
    });
    try {
      await waitUntil('the first spans stored', async () => (await stack.storedSpanCount()) > 0);
      const sentBefore = await stack.onGateways('otelcol_exporter_sent_spans', { exporter: 'kafka' });
      const failedBefore = await stack.onGateways('otelcol_exporter_send_failed_spans', { exporter: 'kafka' });
      const bytesBefore = await stack.onGateways('otelcol_kafka_exporter_bytes_uncompressed');
      const stoppedAt = Date.now();
      await stack.stopPart('ingester');

      let largestQueue = 0;
      const watching = (async () => {
        while (Date.now() - stoppedAt < OUTAGE_MS) {
          largestQueue = Math.max(largestQueue, await stack.onGateways('otelcol_exporter_queue_size'));
          await sleep(500);
        }
      })();
      await sleep(5_000);
      const early = await lagBetween(stack, group);
      await watching;
      const late = await lagBetween(stack, group);
      const sentDuring = (await stack.onGateways('otelcol_exporter_sent_spans', { exporter: 'kafka' })) - sentBefore;
      const failedDuring =
        (await stack.onGateways('otelcol_exporter_send_failed_spans', { exporter: 'kafka' })) - failedBefore;
      const bytesPerSecond =
        ((await stack.onGateways('otelcol_kafka_exporter_bytes_uncompressed')) - bytesBefore) / (OUTAGE_MS / 1000);

      const restartedAt = Date.now();
      await stack.startPart('ingester');
      console.log(
        `# while the ingester was down the gateways wrote ${sentDuring} spans to Kafka (${failedDuring} failed), ${Math.round(bytesPerSecond)} bytes a second; their queues held at most ${largestQueue} bytes; the group's lag went from ${early.lag} to ${late.lag} records`,
      );
      // With no consumer the lag grows by every record written between the two readings.
      assert.ok(
        late.lag - early.lag >= late.before - early.after && late.lag - early.lag <= late.after - early.before,
        `the lag grew by ${late.lag - early.lag}, the gateways wrote ${late.before - early.after} to ${late.after - early.before} records meanwhile`,
      );
      assert.ok(late.lag > early.lag, 'the lag grew');
      assert.ok(sentDuring > RATE * 20, `the gateways wrote only ${sentDuring} spans while the ingester was down`);
      assert.equal(failedDuring, 0, 'spans the gateways failed to write');
      // A queue with spans waiting would grow with the outage; this one holds at most a few batches.
      assert.ok(
        largestQueue < 2 * bytesPerSecond,
        `the gateways' queues held ${largestQueue} bytes, more than 2 s of the ${Math.round(bytesPerSecond)} bytes a second they wrote`,
      );

      // What was in Kafka at the restart: the traces the gateways had decided by then, those whose root
      // (page) span reached them long enough before.
      const backlog = spanKeys(
        load.traces.filter(
          (trace) => trace.pageSentAt > 0 && trace.pageSentAt < restartedAt - decidedWithinMs(stack.env) - 1_000,
        ),
      );
      await waitUntilStored(stack, backlog, 'the backlog stored');
      const backlogS = (Date.now() - restartedAt) / 1000;
      await sleep(5_000);
      await load.stop();
      assert.deepEqual(load.failures, [], 'requests to the agents that failed');
      const stored = await waitUntilStored(stack, spanKeys(load.traces), 'every span sent stored');
      await waitUntil('the group caught up', async () => (await lag(stack, group)) === 0, 30_000);
      console.log(
        `# the backlog (${backlog.length} spans) stored ${backlogS.toFixed(1)} s after the ingester's restart; all ${2 * load.traces.length} spans sent stored, ${stored.documents - stored.copies.size} of them twice`,
      );
    } finally {
      await load.stop();
      await stack.stop();
    }
  },
);

const KILLS = 3;

/** Spans the running ingester has handed to storage (its exporter's pushes that returned), since it started. */
const handedToStorage = (stack: ScaleStack) =>
  stack.counter('ingester', 'otelcol_exporter_sent_spans', { exporter: 'jaeger_storage_exporter' });

test(
  'the ingester killed three times under 40 traces a second: the loss is measured, at most what it handed to storage in the second before each kill or logged as failed',
  { timeout: 300_000 },
  async () => {
    const stack = await startScaleStack();
    const group = await consumerGroup();
    const load = traceLoad({
      browserAgentUrl: stack.browserAgentUrl,
      serverAgentUrl: stack.serverAgentUrl,
      perSecond: RATE,
    });
    try {
      await waitUntil('the first spans stored', async () => (await stack.storedSpanCount()) > 0);
      let lastSecond = 0;
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(4_000);
        const secondBefore = await handedToStorage(stack);
        await sleep(1_000);
        const atKill = await handedToStorage(stack);
        await stack.stopPart('ingester', 'SIGKILL');
        lastSecond += atKill - secondBefore;
        await stack.startPart('ingester');
      }
      await sleep(5_000);
      await load.stop();
      assert.deepEqual(load.failures, [], 'requests to the agents that failed');

      // Settled: every trace decided and written to Kafka, every record read again, and then either every
      // span in OpenSearch or its count unchanged for 15 s (past the bulk processor's retries).
      await waitUntilGatewaysDecided(stack);
      await waitUntil('the group caught up', async () => (await lag(stack, group)) === 0, 60_000);
      const sent = spanKeys(load.traces);
      let stored = await storedSpans(stack.openSearchUrls[0]);
      let quietSince = Date.now();
      await waitUntil(
        'OpenSearch holds every span, or its count stays the same for 15 s',
        async () => {
          const now = await storedSpans(stack.openSearchUrls[0]);
          if (now.documents !== stored.documents) quietSince = Date.now();
          stored = now;
          return sent.every((key) => stored.copies.has(key)) || Date.now() - quietSince > 15_000;
        },
        120_000,
      );
      const missing = sent.filter((key) => !stored.copies.has(key));
      const failed = failedBulkRequests(stack.output());
      console.log(
        `# ${KILLS} kills: ${sent.length} spans sent, ${missing.length} lost, ${stored.documents - stored.copies.size} stored twice; the ingester handed ${lastSecond} spans to storage in the seconds before the kills, and logged ${failed.bulks} failed bulks (${failed.requests} requests)`,
      );
      assert.ok(
        missing.length <= lastSecond + failed.requests,
        `${missing.length} spans lost, more than the ${lastSecond} handed to storage in the second before each kill and the ${failed.requests} requests in failed bulks`,
      );
    } finally {
      await load.stop();
      await stack.stop();
    }
  },
);
