// The scale path (e2e/support/scale.ts: agents, gateways, Kafka, ingester, OpenSearch, query) as the
// throughput bench drives it, keeping every trace (TAIL_SAMPLING_KEEP_PERCENT=100). A step's spans
// are counted in OpenSearch, each once, by their start time, which lies within the step; 200 of its
// traces are read back whole through Jaeger's query service. While the load runs, what the
// ingester's bulk requests wrote is read from its metrics. With `jaegerGateways`, the gateways are the
// Jaeger binary with jaeger-gateway.yaml, as they were before they ran on our collector.
import { join } from 'node:path';
import { bindUrl } from '@hello-trace/harness/app-parts';
import { ensureNativeBinary } from '@hello-trace/harness/native';
import { storedSpans } from '@hello-trace/harness/testing/opensearch';
import { decidedWithinMs, METRICS_PORTS, startScaleStack } from '@hello-trace/harness/testing/scale';
import { countThroughJaeger } from './jaeger-count.ts';
import type { Stack, Step } from './throughput-steps.ts';
import { SPANS_PER_TRACE } from './whole-traces.ts';

const TRACES_READ_BACK = 200;
/** A step's spans are all stored, or no more arrive for this long once the gateways have decided. */
const QUIET_MS = 15_000;
const SETTLE_TIMEOUT_MS = 180_000;

export async function startScalePath({
  openSearchNodes,
  jaegerGateways = false,
}: {
  openSearchNodes: 1 | 3;
  jaegerGateways?: boolean;
}): Promise<Stack & { jaegerUrl: string; stop(): Promise<void> }> {
  const gateway = jaegerGateways
    ? {
        command: await ensureNativeBinary('jaeger'),
        args: ['--config', join(import.meta.dirname, 'jaeger-gateway.yaml')],
      }
    : undefined;
  const scale = await startScaleStack({ openSearchNodes, keepPercent: 100, gateway });
  // Every trace of the load has its root: ours decide soon after it, Jaeger's after decision_wait.
  const decisionWaitMs = jaegerGateways
    ? Number(scale.env.TAIL_SAMPLING_DECISION_WAIT_SECONDS) * 1000
    : decidedWithinMs(scale.env);
  const [openSearch] = scale.openSearchUrls;
  const names = [
    'browser-agent',
    'server-agent',
    'gateway-1',
    'gateway-2',
    'kafka',
    'ingester',
    ...scale.openSearchUrls.map((_, index) => `opensearch-${index + 1}`),
    'query',
  ];

  /**
   * The distinct spans in OpenSearch that started within the step, once a refresh has made every one
   * searchable; a span stored twice counts once, so that a copy cannot hide a loss.
   */
  const storedOf = async ({ startedAt, endedAt }: Step) => {
    await fetch(`${openSearch}/jaeger-span-*/_refresh`, { method: 'POST' });
    const { copies } = await storedSpans(openSearch, { range: { startTimeMillis: { gte: startedAt, lte: endedAt } } });
    return copies.size;
  };
  /**
   * While the load runs: the documents OpenSearch has taken in the ingester's bulk requests (spans,
   * and a few of the services index), read from the ingester's metrics, so that the bench forces no
   * refresh of its own.
   */
  const written = () => scale.counter('ingester', 'jaeger_storage_bulk_index_inserts');

  return {
    name: `scale path (${openSearchNodes} OpenSearch node${openSearchNodes > 1 ? 's' : ''}${jaegerGateways ? ', Jaeger gateways' : ''})`,
    pageUrl: scale.browserAgentUrl,
    serverUrl: scale.serverAgentUrl,
    jaegerUrl: scale.queryUrl,
    parts: () => names.map((name) => ({ name, pid: scale.pid(name)! })),
    metricsUrls: Object.fromEntries(
      Object.entries(METRICS_PORTS).map(([part, port]) => [part, bindUrl(scale.env, port, '/metrics')]),
    ),
    holdsSpansMs: decisionWaitMs,
    storedTotal: written,
    async settle(step) {
      const deadline = step.endedAt + SETTLE_TIMEOUT_MS;
      let last = -1;
      let changedAt = Date.now();
      for (;;) {
        const stored = (await written()) - step.storedAtStart;
        if (stored >= step.spansSent) return;
        if (stored !== last) changedAt = Date.now();
        last = stored;
        const decided = Date.now() > step.endedAt + decisionWaitMs;
        if ((decided && Date.now() - changedAt > QUIET_MS) || Date.now() > deadline) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async count(step) {
      const sample = step.traceIds.filter(
        (_, index) => index % Math.ceil(step.traceIds.length / TRACES_READ_BACK) === 0,
      );
      const { whole } = await countThroughJaeger(scale.queryUrl, sample, SPANS_PER_TRACE);
      return { spans: await storedOf(step), tracesChecked: sample.length, tracesWhole: whole };
    },
    stop: () => scale.stop(),
  };
}
