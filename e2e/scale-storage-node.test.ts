// A storage node dies under a steady load: of three OpenSearch nodes, with a replica of every shard,
// the one holding most primaries of today's span index is killed (SIGKILL, as a crash; the elected
// cluster manager among equals, whose loss also means an election) while 40 traces a second go through the
// pipeline, every one kept. The traces stored before stay readable, from OpenSearch and from Jaeger's
// query, new ones are written, and the loss is measured, with a target of 0.
//
// What bounds the loss: the ingester hands each span to Jaeger's OpenSearch writer, which queues it
// for a bulk request and answers at once, so the ingester has marked the Kafka message read before
// the span is written, and Kafka cannot deliver it again. A bulk that fails is retried with a
// backoff, on the next node the client still believes alive; an item that fails with 408, 429, 503
// or 507 is retried too (OpenSearch holds an item for a shard without a primary up to a minute, while
// a replica is promoted, and then answers 503). Only a bulk still
// failing after the backoff gives up (about 10 s), or an item failing otherwise, loses spans, and the
// ingester logs each such bulk ("Elasticsearch could not process bulk request", "Elasticsearch part
// of bulk request failed"). So the test asserts that the spans missing are at most the requests in
// the bulks the ingester logged as failed: 0 when it logged none.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { clusterManager, spanKey, spanShards, storedSpans, type Shard } from '@hello-trace/harness/testing/opensearch';
import {
  failedBulkRequests,
  startScaleStack,
  waitUntil,
  waitUntilGatewaysDecided,
} from '@hello-trace/harness/testing/scale';
import { spanKeys, traceLoad } from '@hello-trace/harness/testing/trace-load';

const RATE = 40;

/** The node to kill, and why: most primaries of the newest span index, the cluster manager among equals. */
function chooseNode(shards: Shard[], manager: string): { node: string; why: string } {
  const index = shards
    .map((shard) => shard.index)
    .toSorted()
    .at(-1)!;
  const primaries = new Map<string, number>();
  for (const shard of shards.filter((each) => each.index === index && each.prirep === 'p')) {
    primaries.set(shard.node!, (primaries.get(shard.node!) ?? 0) + 1);
  }
  const [node, count] = [...primaries].toSorted(
    ([a, countA], [b, countB]) => countB - countA || Number(b === manager) - Number(a === manager),
  )[0];
  return {
    node,
    why: `${count} of ${index}'s primaries${node === manager ? ', and the elected cluster manager' : ''}`,
  };
}

test(
  'one of three OpenSearch nodes killed under 40 traces a second: earlier traces stay readable, new ones are written, and the loss is measured',
  { timeout: 300_000 },
  async () => {
    const stack = await startScaleStack({ openSearchNodes: 3 });
    const load = traceLoad({
      browserAgentUrl: stack.browserAgentUrl,
      serverAgentUrl: stack.serverAgentUrl,
      perSecond: RATE,
    });
    try {
      const [first] = stack.openSearchUrls;
      // Five seconds of traces stored, to read again once the node is gone.
      await waitUntil('5 s of spans stored', async () => (await stack.storedSpanCount()) >= RATE * 2 * 5);
      // Every shard with its replica, on another node, before one node goes.
      await waitUntil('the span index green', async () => {
        const health = await fetch(`${first}/_cluster/health/jaeger-span-*`);
        return health.ok && ((await health.json()) as { status: string }).status === 'green';
      });
      const shards = await spanShards(first);
      const { node, why } = chooseNode(shards, await clusterManager(first));
      const survivor = stack.openSearchUrls[node === 'opensearch-1' ? 1 : 0];
      const before = new Set((await storedSpans(first)).copies.keys());
      const beforeTraces = load.traces.filter((trace) => before.has(spanKey(trace.traceId, trace.serverSpanId)));
      const killedAt = Date.now();
      await stack.stopPart(node, 'SIGKILL');
      console.log(
        `# killed ${node} (${why}) in ${((Date.now() - killedAt) / 1000).toFixed(1)} s, with ${before.size} spans stored; shards: ${shards.map((s) => `${s.shard}${s.prirep}@${s.node}`).join(' ')}`,
      );

      // Stored before: every one still there, through the nodes left.
      let unreadable = '';
      await waitUntil('the spans stored before readable from the nodes left', async () => {
        const now = await storedSpans(survivor).catch((error: Error) => void (unreadable = error.message));
        return now !== undefined && [...before].every((key) => now.copies.has(key));
      }).catch((error: Error) => {
        throw new Error(`${error.message}: ${unreadable || 'some are missing'}`);
      });
      let queryErrors = 0;
      for (const trace of beforeTraces.slice(-20)) {
        await waitUntil(`trace ${trace.traceId} whole in Jaeger's query`, async () => {
          const spans = await stack.traceSpans(trace.traceId).catch(() => void queryErrors++);
          return spans?.length === 2;
        });
      }

      // New traces for 15 s with the node gone.
      await sleep(15_000);
      await load.stop();
      assert.deepEqual(load.failures, [], 'requests to the agents that failed');

      // Settled: the gateways decided every trace and emptied their queues, the ingester read every
      // record they wrote, and then either every span is in OpenSearch or its count has not changed for
      // 15 s: past the bulk processor's retries (about 10 s) and its 5 s wait for a live node.
      await waitUntilGatewaysDecided(stack);
      await waitUntil('the ingester read every record', async () => {
        const written = await stack.onGateways('otelcol_kafka_exporter_records', { outcome: 'success' });
        return (await stack.counter('ingester', 'otelcol_kafka_receiver_records', { outcome: 'success' })) === written;
      });
      const sent = spanKeys(load.traces);
      let stored = await storedSpans(survivor);
      let quietSince = Date.now();
      await waitUntil(
        'OpenSearch holds every span, or its count stays the same for 15 s',
        async () => {
          const now = await storedSpans(survivor);
          if (now.documents !== stored.documents) quietSince = Date.now();
          stored = now;
          return sent.every((key) => stored.copies.has(key)) || Date.now() - quietSince > 15_000;
        },
        120_000,
      );
      const missing = sent.filter((key) => !stored.copies.has(key));
      const after = spanKeys(load.traces.filter((trace) => trace.serverSentAt > killedAt));
      const failed = failedBulkRequests(stack.output());
      console.log(
        `# ${sent.length} spans sent (${after.length} after the kill), ${missing.length} lost; the ingester logged ${failed.bulks} failed bulks (${failed.requests} requests); ${stored.documents - stored.copies.size} spans stored twice (a bulk sent again after it was applied in part); Jaeger's query answered ${queryErrors} of its reads with an error (a node it still took for alive)`,
      );
      assert.ok(
        after.some((key) => stored.copies.has(key)),
        'no span sent after the kill was written',
      );
      assert.ok(
        missing.length <= failed.requests,
        `${missing.length} spans lost, more than the ${failed.requests} requests in the bulks the ingester logged as failed`,
      );
    } finally {
      await load.stop();
      await stack.stop();
    }
  },
);
