// The small stack (one collector, one Jaeger with Badger) as the throughput bench drives it. Jaeger
// stores each request before it answers, so once the collector's queues are empty and it sends
// nothing more, every span it was going to deliver is stored; the bench then reads every trace back.
import { metricSum } from '@hello-trace/harness/testing/metrics';
import { startPipeline } from '@hello-trace/harness/testing/pipeline';
import { countThroughJaeger } from './jaeger-count.ts';
import type { Stack } from './throughput-steps.ts';
import { SPANS_PER_TRACE } from './whole-traces.ts';

const QUIET_MS = 2000;
const SETTLE_TIMEOUT_MS = 120_000;

/** What the collector has queued for Jaeger, sent to it (`stored`: Jaeger answers once it has stored) and handled in all. */
async function collectorProgress(metricsUrl: string): Promise<{ queued: number; stored: number; handled: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const sum = (name: string, labels = '') => metricSum(text, name, (series) => series.includes(labels));
  const stored = sum('otelcol_exporter_sent_spans', 'exporter="otlp_http/jaeger');
  return {
    queued: sum('otelcol_exporter_queue_size'),
    stored,
    handled: stored + sum('otelcol_exporter_send_failed_spans'),
  };
}

export async function startSmallStack(pagePort: number): Promise<Stack & { jaegerUrl: string; stop(): Promise<void> }> {
  const pipeline = await startPipeline(pagePort);
  const { collector, jaeger } = pipeline;
  return {
    name: 'small stack',
    pageUrl: collector.browserUrl,
    serverUrl: collector.url,
    jaegerUrl: jaeger.url,
    parts: () => [
      { name: 'collector', pid: collector.process.child.pid! },
      { name: 'jaeger', pid: jaeger.process.child.pid! },
    ],
    metricsUrls: { collector: collector.metricsUrl },
    holdsSpansMs: 0,
    storedTotal: async () => (await collectorProgress(collector.metricsUrl)).stored,
    async settle() {
      const deadline = Date.now() + SETTLE_TIMEOUT_MS;
      let last = await collectorProgress(collector.metricsUrl);
      let quietSince = Date.now();
      while (Date.now() - quietSince < QUIET_MS && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const now = await collectorProgress(collector.metricsUrl);
        if (now.queued > 0 || now.handled !== last.handled) quietSince = Date.now();
        last = now;
      }
    },
    async count({ traceIds }) {
      const { spans, whole } = await countThroughJaeger(jaeger.url, traceIds, SPANS_PER_TRACE);
      return { spans, tracesChecked: traceIds.length, tracesWhole: whole };
    },
    stop: () => pipeline.stop(),
  };
}
