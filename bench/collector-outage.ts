// Collector outage soak: a steady load on the shipped server for four phases, while its collector
// is healthy, down (port closed), hanging (accepts, never answers), and back. Figures: failed
// requests, p99 latency per phase against the healthy one, the server's RSS growth, the spans it
// dropped (as it logs them), and how long until spans reach the collector again once it is back.
import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import autocannon from 'autocannon';
import { OtlpReceiver } from '../e2e/support/otlp-receiver.ts';
import { freePort } from '../e2e/support/page.ts';
import { repoRoot, SERVER_ARGS, startProcess } from '../e2e/support/processes.ts';

const PHASE_S = Number(process.env.BENCH_PHASE_S ?? 15);
const RATE = 200;
const CONNECTIONS = 10;
const TARGETS = { failedRequests: 0, p99OverHealthy: 2, rssGrowthMiB: 100, recoveryS: 10 };

const collectorPort = await freePort();
const collectorUrl = `http://127.0.0.1:${collectorPort}`;
let receiver = new OtlpReceiver({ keepSpans: false });
await receiver.start(collectorPort);

const server = await startProcess('taskset', ['-c', '0', process.execPath, ...SERVER_ARGS], {
  cwd: `${repoRoot}/server`,
  env: { PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl },
  readyPattern: /listening on (http:\/\/\S+)/,
});
const url = `${server.ready[1]}/hello`;
const rssMiB = async () => Number((await readFile(`/proc/${server.child.pid}/status`, 'utf8')).match(/VmRSS:\s+(\d+)/)![1]) / 1024;

let maxRssMiB = 0;
const sampler = setInterval(() => void rssMiB().then((rss) => (maxRssMiB = Math.max(maxRssMiB, rss)), () => {}), 500);

async function load() {
  const result = await autocannon({ url, connections: CONNECTIONS, overallRate: RATE, duration: PHASE_S, headers: { baggage: 'name=GoFrame' } });
  return { requests: result.requests.total, failed: result.errors + result.timeouts + result.non2xx, p50Ms: result.latency.p50, p99Ms: result.latency.p99 };
}

const phases: Record<string, Awaited<ReturnType<typeof load>>> = {};
let recoveryS = Number.NaN;
let startRssMiB = 0;
try {
  await autocannon({ url, connections: CONNECTIONS, overallRate: RATE, duration: 3 }); // warm-up
  startRssMiB = await rssMiB();
  phases.healthy = await load();

  await receiver.stop();
  phases.down = await load();

  const hung = new Set<Socket>();
  const hanging = createServer((socket) => hung.add(socket)).listen(collectorPort, '127.0.0.1');
  phases.hanging = await load();
  // A restarted collector: the hung connections close, and it listens again.
  for (const socket of hung) socket.destroy();
  await new Promise((resolve) => hanging.close(resolve));
  receiver = new OtlpReceiver({ keepSpans: false });
  await receiver.start(collectorPort);
  const back = Date.now();
  const recovered = (async () => {
    while (receiver.spanCount === 0 && Date.now() - back < PHASE_S * 1000) await new Promise((resolve) => setTimeout(resolve, 100));
    if (receiver.spanCount > 0) recoveryS = (Date.now() - back) / 1000;
  })();
  phases.back = await load();
  await recovered;
} finally {
  clearInterval(sampler);
  await server.stop(30_000);
  await receiver.stop();
}

const dropped = [...server.output().matchAll(/Dropped (\d+) spans/g)].reduce((sum, match) => sum + Number(match[1]), 0);
const figures = {
  phaseSeconds: PHASE_S,
  ratePerSecond: RATE,
  phases,
  failedRequests: Object.values(phases).reduce((sum, phase) => sum + phase.failed, 0),
  worstP99OverHealthy: Math.max(...Object.values(phases).map((phase) => phase.p99Ms)) / phases.healthy.p99Ms,
  rssGrowthMiB: maxRssMiB - startRssMiB,
  droppedSpansLogged: dropped,
  recoveryS,
  targets: TARGETS,
};

console.log(`\nCollector outage: ${RATE} req/s for ${PHASE_S} s per phase\n`);
console.log('| collector | requests | failed | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, phase] of Object.entries(phases)) console.log(`| ${name} | ${phase.requests} | ${phase.failed} | ${phase.p50Ms} | ${phase.p99Ms} |`);
console.log(`\nfailed requests ${figures.failedRequests} (target ${TARGETS.failedRequests}); worst p99 ${figures.worstP99OverHealthy.toFixed(2)}× healthy (target ≤ ${TARGETS.p99OverHealthy}×);`);
console.log(`RSS growth ${figures.rssGrowthMiB.toFixed(1)} MiB (target < ${TARGETS.rssGrowthMiB}); spans dropped and logged ${dropped}; spans flowing again ${recoveryS.toFixed(1)} s after the collector is back (target ≤ ${TARGETS.recoveryS} s)\n`);
console.log(JSON.stringify({ bench: 'collector-outage', ...figures }));
