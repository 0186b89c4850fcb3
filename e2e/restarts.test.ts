// Parts of the pipeline restart while it carries traffic: the collector (SIGTERM, back 10 s later)
// under a steady 200 requests a second, and Jaeger (down 10 s). Nothing may be lost on the way, and
// Jaeger keeps its traces across its restart.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { droppedSpansLogged, memoryMiB, ONE_CLIENT_LOAD_RATE, steadyLoad } from '@hello-trace/harness/testing/load';
import {
  startCollector,
  startJaeger,
  traceFromJaeger,
  type Collector,
  type Jaeger,
} from '@hello-trace/harness/testing/pipeline';
import { startServer } from '@hello-trace/harness/testing/processes';

const SERVER_SPANS = ['GET /hello', 'HelloHandler'];

/** Asserts that Jaeger holds every span of each trace, checking `parallel` traces at a time. */
async function assertAllInJaeger(jaeger: Jaeger, traceIds: string[], parallel = 16): Promise<void> {
  const pending = [...traceIds];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let traceId = pending.pop(); traceId; traceId = pending.pop()) {
        const spans = await traceFromJaeger(jaeger.url, traceId, SERVER_SPANS, { timeoutMs: 60_000 });
        assert.equal(spans.length, SERVER_SPANS.length, `trace ${traceId}`);
      }
    }),
  );
}

test(
  'a collector restarted under 200 requests a second loses no span and fails no request',
  { timeout: 180_000 },
  async () => {
    const jaeger = await startJaeger();
    // Its queue on disk: what the stopped collector had not sent yet, the restarted one sends.
    const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-collector-'));
    let collector: Collector = await startCollector({ jaegerOtlpPort: jaeger.ports.otlp, dataDir });
    const server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, ...ONE_CLIENT_LOAD_RATE });
    const rssBefore = (await memoryMiB(server)).rss;
    const load = steadyLoad(server.ready[1], 200);
    try {
      await sleep(3_000);
      assert.equal(await collector.stop(), 0);
      await sleep(10_000);
      collector = await startCollector({ jaegerOtlpPort: jaeger.ports.otlp, ports: collector.ports, dataDir });
      await sleep(5_000);
      await load.stop();
      const rssPeak = (await memoryMiB(server)).peak;
      assert.equal(await server.stop(), 0);

      assert.equal(load.failed(), 0, 'failed requests');
      assert.ok(load.answered.length > 3_000, `only ${load.answered.length} answers`);
      await assertAllInJaeger(jaeger, load.answered);
      assert.ok(rssPeak - rssBefore < 100, `the server's RSS grew ${(rssPeak - rssBefore).toFixed(0)} MiB`);
      // The exporter's own retries (server/otel.env) outlast the outage: no batch was given up.
      assert.doesNotMatch(server.output(), /OpenTelemetry:/);
      assert.equal(droppedSpansLogged(server.output()), 0, 'spans dropped');
      console.log(
        `# ${load.answered.length} requests, all traces complete; RSS ${rssBefore.toFixed(0)} → ${rssPeak.toFixed(0)} MiB`,
      );
    } finally {
      await load.stop();
      await server.stop();
      await collector.stop();
      await jaeger.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);

test(
  'Jaeger down for 10 s: the collector keeps the spans, and Jaeger keeps its traces across the restart',
  { timeout: 120_000 },
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-jaeger-'));
    let jaeger = await startJaeger({ dataDir });
    const collector = await startCollector({ jaegerOtlpPort: jaeger.ports.otlp });
    const server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, ...ONE_CLIENT_LOAD_RATE });
    const load = steadyLoad(server.ready[1], 50);
    try {
      await sleep(2_000);
      const before = [...load.answered];
      await assertAllInJaeger(jaeger, before.slice(0, 20));
      assert.equal(await jaeger.stop(), 0);
      await sleep(10_000);
      jaeger = await startJaeger({ dataDir, ports: jaeger.ports });
      const back = Date.now();
      // A request made while Jaeger was down arrives within 5 s of Jaeger's return.
      const duringOutage = load.answered[before.length + 100];
      await traceFromJaeger(jaeger.url, duringOutage, SERVER_SPANS, { timeoutMs: 5_000, pollMs: 100 });
      console.log(`# delivery resumed ${((Date.now() - back) / 1000).toFixed(1)} s after Jaeger was back`);
      await sleep(1_000);
      await load.stop();
      assert.equal(await server.stop(), 0);
      assert.equal(load.failed(), 0, 'failed requests');
      // Every trace, those stored before the restart included.
      await assertAllInJaeger(jaeger, load.answered);
    } finally {
      await load.stop();
      await server.stop();
      await collector.stop();
      await jaeger.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
