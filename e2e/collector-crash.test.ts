// The collector's queues on disk (file_storage in collector/shared.yaml, sending_queue.storage in
// otel-collector-config.yaml): a span the collector answered 2xx for is on disk before the answer,
// so a collector killed with SIGKILL while Jaeger is away sends it once both are back. And a full
// queue refuses with 503, counted, rather than dropping what it already holds.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { metricSum } from '@hello-trace/harness/testing/metrics';
import { newSpanId, newTraceId, otlpJson } from '@hello-trace/harness/testing/otlp-json';
import {
  startCollector,
  startJaeger,
  traceFromJaeger,
  type Collector,
  type Jaeger,
  type JaegerPorts,
} from '@hello-trace/harness/testing/pipeline';
import { freePort } from '@hello-trace/harness/testing/processes';
import { traceLoad, type SentTrace } from '@hello-trace/harness/testing/trace-load';

const RATE = 100;
/** The series of the exporter for the Node processes' spans. */
const serverExporter = (series: string) => series.includes('exporter="otlp_http/jaeger"');

/** The spans of a trace that the collector answered 2xx for, by name. */
function acceptedSpans(trace: SentTrace): Map<string, string> {
  const spans = new Map<string, string>();
  if (trace.serverSentAt > 0) spans.set('GET /hello', trace.serverSpanId);
  if (trace.pageSentAt > 0) spans.set('StartRequests', trace.pageSpanId);
  return spans;
}

/** Asserts that Jaeger's answer for each trace holds every accepted span, each once; 16 traces at a time. */
async function assertStoredOnce(jaeger: Jaeger, traces: SentTrace[]): Promise<void> {
  const pending = [...traces];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let trace = pending.pop(); trace; trace = pending.pop()) {
        const accepted = acceptedSpans(trace);
        const spans = await traceFromJaeger(jaeger.url, trace.traceId, [...accepted.keys()], { timeoutMs: 60_000 });
        for (const [name, spanId] of accepted) {
          const copies = spans.filter((span) => span.spanId === spanId).length;
          assert.equal(copies, 1, `${name} of trace ${trace.traceId}: ${copies} in Jaeger's answer`);
        }
      }
    }),
  );
}

test(
  'Jaeger down, the collector killed (SIGKILL) under load: once both are back every span answered 2xx is stored, once',
  { timeout: 180_000 },
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-collector-crash-'));
    const jaegerPorts: JaegerPorts = {
      otlp: await freePort(),
      ui: await freePort(),
      grpcQuery: await freePort(),
      health: await freePort(),
    };
    let jaeger: Jaeger | undefined;
    let collector: Collector = await startCollector({ jaegerOtlpPort: jaegerPorts.otlp, dataDir });
    const load = traceLoad({ browserAgentUrl: collector.browserUrl, serverAgentUrl: collector.url, perSecond: RATE });
    try {
      await sleep(5_000);
      const queued = metricSum(await (await fetch(collector.metricsUrl)).text(), 'otelcol_exporter_queue_size');
      collector.process.child.kill('SIGKILL');
      await collector.stop();
      // Requests go on meanwhile, and fail: those spans were never accepted.
      await sleep(1_000);
      await load.stop();

      jaeger = await startJaeger({ ports: jaegerPorts });
      collector = await startCollector({ jaegerOtlpPort: jaegerPorts.otlp, ports: collector.ports, dataDir });
      const accepted = load.traces.filter((trace) => acceptedSpans(trace).size > 0);
      const spans = accepted.reduce((sum, trace) => sum + acceptedSpans(trace).size, 0);
      assert.ok(queued > 0, 'the queues held spans when the collector was killed');
      assert.ok(spans > 500, `only ${spans} spans were accepted`);
      assert.ok(load.failures.length > 0, 'requests sent after the kill failed');
      await assertStoredOnce(jaeger, accepted);
      console.log(
        `# ${spans} spans of ${accepted.length} traces answered 2xx (${queued} bytes queued at the kill), all stored once; ${load.failures.length} requests failed after the kill`,
      );
    } finally {
      await load.stop();
      await collector.stop();
      await jaeger?.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);

test('a full queue refuses spans with 503 and counts them; what it holds stays', { timeout: 60_000 }, async () => {
  // A queue of 100 KB for the server's spans, and Jaeger away.
  const collector = await startCollector({
    jaegerOtlpPort: await freePort(),
    args: ['--set=exporters::otlp_http/jaeger::sending_queue::queue_size=100000'],
  });
  try {
    const SPANS = 100;
    let accepted = 0;
    let refusal: { status: number; body: string } | undefined;
    for (let sent = 0; !refusal && sent < 1_000; sent++) {
      const spans = Array.from({ length: SPANS }, () => ({
        traceId: newTraceId(),
        spanId: newSpanId(),
        parentSpanId: newSpanId(),
        name: 'GET /hello',
      }));
      const response = await fetch(`${collector.url}/v1/traces`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: otlpJson('hello-server', spans),
      });
      const body = await response.text();
      if (response.ok) accepted += SPANS;
      else refusal = { status: response.status, body };
    }
    assert.equal(refusal?.status, 503, 'the receiver answers 503 once the queue is full');
    const metrics = await (await fetch(collector.metricsUrl)).text();
    assert.equal(metricSum(metrics, 'otelcol_exporter_enqueue_failed_spans', serverExporter), SPANS);
    assert.equal(metricSum(metrics, 'otelcol_receiver_refused_spans'), SPANS);
    assert.equal(metricSum(metrics, 'otelcol_receiver_accepted_spans'), accepted);
    const queued = metricSum(metrics, 'otelcol_exporter_queue_size', serverExporter);
    assert.ok(queued > 90_000 && queued <= 100_000, `${queued} bytes queued`);
    console.log(`# ${accepted} spans queued in ${queued} bytes, then 503: ${refusal.body}`);
  } finally {
    await collector.stop();
  }
});
