// Collector outages under a steady 200 requests a second: the server's collector is stopped (SIGTERM)
// for 10 s and for 60 s, then started again, with the stock exporter and with the patient one
// (TRACING_PATIENT_EXPORTER=true). The collector forwards to a second, counting collector that stays
// up, so that every span delivered is counted across the restart. Figures: failed requests, spans
// expected, delivered and dropped by the full queue (as the server logs them), the batches the
// exporter gave up (each logged in one line), the server's memory, and how long after its return
// the collector gets spans again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { droppedSpansLogged, memoryMiB, ONE_CLIENT_LOAD_RATE, steadyLoad } from '@hello-trace/harness/testing/load';
import { startCollector } from '@hello-trace/harness/testing/pipeline';
import { startServer } from '@hello-trace/harness/testing/processes';

const RATE = 200;
const OUTAGES_S = (process.env.BENCH_OUTAGES_S ?? '10,60').split(',').map(Number);
const SPANS_PER_REQUEST = 2;
const TARGETS = { failedRequests: 0, rssGrowthMiB: 100 };
const EXPORTERS: { name: string; env: Record<string, string> }[] = [
  { name: 'stock', env: {} },
  // Patient as long as the collector itself tries again for Jaeger: 5 minutes.
  { name: 'patient', env: { TRACING_PATIENT_EXPORTER: 'true', OTEL_BSP_EXPORT_TIMEOUT: '300000' } },
];
/** plain-errors.ts's line for a batch the exporter gave up. */
const BATCH_GIVEN_UP = /^OpenTelemetry: .*\. Requests are still served\.$/gm;

async function outage(seconds: number, exporter: (typeof EXPORTERS)[number]) {
  const counter = await startCollector();
  // The restarted collector takes over the stopped one's queue on disk.
  const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-collector-'));
  let collector = await startCollector({ jaegerOtlpPort: counter.ports.http, dataDir });
  const server = await startServer(
    { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, ...ONE_CLIENT_LOAD_RATE, ...exporter.env },
    { cpu: '0' },
  );
  try {
    const load = steadyLoad(server.ready[1], RATE);
    await sleep(5_000);
    const rssBefore = (await memoryMiB(server)).rss;
    await collector.stop();
    await sleep(seconds * 1000);
    collector = await startCollector({ jaegerOtlpPort: counter.ports.http, ports: collector.ports, dataDir });
    const back = Date.now();
    const countAtReturn = await counter.acceptedSpans();
    while ((await counter.acceptedSpans()) === countAtReturn && Date.now() - back < 60_000) await sleep(100);
    const recoveryS = (Date.now() - back) / 1000;
    await sleep(10_000);
    await load.stop();
    const rssPeak = (await memoryMiB(server)).peak;
    await server.stop(60_000);
    await collector.stop();
    const delivered = await counter.settledSpans();
    const dropped = droppedSpansLogged(server.output());
    return {
      exporter: exporter.name,
      outageS: seconds,
      requests: load.answered.length + load.failed(),
      failed: load.failed(),
      spansExpected: load.answered.length * SPANS_PER_REQUEST,
      spansDelivered: delivered,
      spansDroppedLogged: dropped,
      batchesGivenUp: server.output().match(BATCH_GIVEN_UP)?.length ?? 0,
      rssGrowthMiB: rssPeak - rssBefore,
      recoveryS,
    };
  } finally {
    await server.stop();
    await collector.stop();
    await counter.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const results = [];
for (const seconds of OUTAGES_S) {
  for (const exporter of EXPORTERS) {
    const result = await outage(seconds, exporter);
    results.push(result);
    console.error(`outage ${seconds} s, ${exporter.name} exporter: ${JSON.stringify(result)}`);
  }
}

console.log(`\nCollector outages: ${RATE} requests a second, the collector stopped with SIGTERM and started again\n`);
console.log(
  '| outage | exporter | requests | failed | spans expected | delivered | dropped by the full queue, logged | in batches given up, each logged | server RSS growth MiB | spans again after |',
);
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  const lost = r.spansExpected - r.spansDelivered - r.spansDroppedLogged;
  console.log(
    `| ${r.outageS} s | ${r.exporter} | ${r.requests} | ${r.failed} | ${r.spansExpected} | ${r.spansDelivered} | ${r.spansDroppedLogged} | ${lost} (${r.batchesGivenUp} batches) | ${r.rssGrowthMiB.toFixed(0)} | ${r.recoveryS.toFixed(1)} s |`,
  );
}
const failed = results.reduce((sum, r) => sum + r.failed, 0);
const nothingLostSilently = results.every(
  (r) => r.spansDelivered + r.spansDroppedLogged === r.spansExpected || r.batchesGivenUp > 0,
);
console.log(
  `\nfailed requests ${failed} (target ${TARGETS.failedRequests}); spans lost without a line that says so: ${nothingLostSilently ? 'none' : 'SOME'}; ` +
    `worst RSS growth ${Math.max(...results.map((r) => r.rssGrowthMiB)).toFixed(0)} MiB (target < ${TARGETS.rssGrowthMiB})\n`,
);
console.log(JSON.stringify({ bench: 'collector-outage', rate: RATE, results, targets: TARGETS }));
