// An agent killed while a gateway is away: the agents' queue is on disk (scale/agents.yaml's
// load_balancing sending_queue, with collector/shared.yaml's file_storage), and a request leaves it
// only once each gateway has its share. gateway-2 is down from the start, so that nothing it holds
// undecided is lost with it (that is the gateway's own loss, scale-gateway-restart.test.ts); under 40
// traces a second, with every trace kept, the server agent is killed with SIGKILL, then it and
// gateway-2 come back. Every span an agent answered 2xx for is stored, and the query answers it once.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { spanKey, storedSpans } from '@hello-trace/harness/testing/opensearch';
import { startScaleStack, waitUntil } from '@hello-trace/harness/testing/scale';
import { traceLoad, type SentTrace } from '@hello-trace/harness/testing/trace-load';

const RATE = 40;

/** The keys (`spanKey`) of a trace's spans that an agent answered 2xx for. */
function acceptedKeys(trace: SentTrace): string[] {
  return [
    ...(trace.serverSentAt > 0 ? [spanKey(trace.traceId, trace.serverSpanId)] : []),
    ...(trace.pageSentAt > 0 ? [spanKey(trace.traceId, trace.pageSpanId)] : []),
  ];
}

test(
  'the server agent killed (SIGKILL) while gateway-2 is down, under 40 traces a second: once both are back every span answered 2xx is stored',
  { timeout: 300_000 },
  async () => {
    const stack = await startScaleStack({ keepPercent: 100 });
    const load = traceLoad({
      browserAgentUrl: stack.browserAgentUrl,
      serverAgentUrl: stack.serverAgentUrl,
      perSecond: RATE,
    });
    try {
      await stack.stopPart('gateway-2');
      await sleep(8_000);
      const queued = await stack.counter('server-agent', 'otelcol_exporter_queue_size');
      await stack.stopPart('server-agent', 'SIGKILL');
      // The server spans sent meanwhile fail, and are not counted as accepted.
      await sleep(2_000);
      await stack.startPart('server-agent');
      await stack.startPart('gateway-2');
      await sleep(5_000);
      await load.stop();

      const accepted = load.traces.flatMap(acceptedKeys);
      assert.ok(queued > 0, "the server agent's queue held spans when it was killed");
      assert.ok(load.failures.length > 0, 'requests sent to the killed agent failed');
      let copies = new Map<string, number>();
      await waitUntil(
        'every span answered 2xx stored in OpenSearch',
        async () => {
          copies = (await storedSpans(stack.openSearchUrls[0])).copies;
          return accepted.every((key) => copies.has(key));
        },
        120_000,
      ).catch((error: Error) => {
        const missing = accepted.filter((key) => !copies.has(key));
        throw new Error(`${error.message}: ${missing.length} of ${accepted.length} missing, such as ${missing[0]}`);
      });
      // Through the query: each trace's accepted spans, each once.
      for (const trace of load.traces.filter((each) => acceptedKeys(each).length > 0)) {
        const spans = await stack.traceSpans(trace.traceId);
        for (const key of acceptedKeys(trace)) {
          const found = spans.filter((span) => spanKey(span.traceId, span.spanId) === key).length;
          assert.equal(found, 1, `${key} in the query's answer`);
        }
      }
      const twice = accepted.filter((key) => (copies.get(key) ?? 0) > 1).length;
      console.log(
        `# ${accepted.length} spans answered 2xx (${queued} bytes in the server agent's queue at the kill), all stored; ${twice} stored twice; ${load.failures.length} requests failed while the agent was down`,
      );
    } finally {
      await load.stop();
      await stack.stop();
    }
  },
);
