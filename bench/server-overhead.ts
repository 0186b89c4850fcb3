// Server overhead: GET /hello throughput of each tracing set-up, side by side in one run, against the
// honest baseline: the same server without its tracing preload. The server runs alone on core 0; the
// load generator (this process, autocannon with 50 connections) and the real collector (the native
// build, which counts the spans it accepted in its own metrics) share core 1. Every request carries
// the page's baggage and a traceparent of its own, sampled (-01, as the page sends it) or not (-00).
import autocannon from 'autocannon';
import { droppedSpansLogged, memoryMiB, newTraceparent, ONE_CLIENT_LOAD_RATE } from '@hello-trace/harness/testing/load';
import { startCollector, type Collector } from '@hello-trace/harness/testing/pipeline';
import { BARE_SERVER_ARGS, SERVER_ARGS, startServer } from '@hello-trace/harness/testing/processes';
import { cpuMicros } from './process-usage.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_S = 3;
const ACCOUNTING_S = 5;
const CONNECTIONS = 50;
const SERVER_CORE = '0';
const COLLECTOR_CORE = '1';
/** The lean opt-in's target with a sampled parent, and its goal with an unsampled one, as fractions of bare. */
const TARGETS = { leanSampledOverBare: 0.5, leanUnsampledOverBare: 0.85 };

interface Setup {
  name: string;
  /** Node's arguments, from server/; the start command by default. */
  args?: string[];
  env?: Record<string, string>;
  sampled: boolean;
  /** Whether it records spans of sampled requests. */
  traced: boolean;
}

/** Our own SERVER span instead of instrumentation-http's incoming side and instrumentation-express. */
const LEAN = { TRACING_LEAN_SERVER_SPAN: 'true' };
const ALL_SETUPS: Setup[] = [
  { name: 'bare', args: BARE_SERVER_ARGS, sampled: true, traced: false },
  { name: 'stock', sampled: true, traced: true },
  { name: 'stock unsampled', sampled: false, traced: true },
  { name: 'lean', env: LEAN, sampled: true, traced: true },
  { name: 'lean unsampled', env: LEAN, sampled: false, traced: true },
];

// BENCH_SETUPS=bare,lean measures only those.
const SETUPS = process.env.BENCH_SETUPS
  ? ALL_SETUPS.filter(({ name }) => process.env.BENCH_SETUPS!.split(',').includes(name))
  : ALL_SETUPS;

interface Measurement {
  setup: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The server's CPU time (user and system) per request in the measured run. */
  cpuUsPerRequest: number;
  peakRssMiB: number;
  answered: number;
  failed: number;
  spansPerRequest: number;
  spansExpected: number;
  spansDelivered: number;
  spansDroppedLogged: number;
}

/**
 * Request headers with traceparents of their own; autocannon cycles through them. A few dozen keep
 * the load generator cheap enough to saturate the bare server (it prepares each one per connection).
 */
function requests(sampled: boolean) {
  return Array.from({ length: 64 }, () => ({
    headers: {
      baggage: 'name=GoFrame',
      traceparent: newTraceparent(sampled).traceparent,
    },
  }));
}

async function measure(setup: Setup, collector: Collector): Promise<Measurement> {
  const server = await startServer(
    {
      OTEL_SERVICE_NAME: 'hello-server',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      ...ONE_CLIENT_LOAD_RATE,
      ...setup.env,
    },
    { args: setup.args ?? SERVER_ARGS, cpu: SERVER_CORE },
  );
  const pid = server.child.pid!;
  const url = `${server.ready[1]}/hello`;
  const load = { url, connections: CONNECTIONS, requests: requests(setup.sampled) };
  try {
    // One request first, to count the spans a request makes.
    const beforeProbe = await collector.settledSpans();
    await (await fetch(url, { headers: load.requests[0].headers })).text();
    const spansPerRequest =
      (await collector.settledSpans(setup.sampled && setup.traced ? beforeProbe + 1 : 0)) - beforeProbe;

    await autocannon({ ...load, duration: WARMUP_S });
    const cpuBefore = await cpuMicros([pid]);
    const result = await autocannon({ ...load, duration: DURATION_S });
    const cpu = (await cpuMicros([pid])) - cpuBefore;

    // The accounting: a set number of requests at full speed, so that none is cut off, then SIGTERM;
    // every span of every answered request must reach the collector, the shutdown's flush included.
    const beforeAccounting = await collector.settledSpans();
    const accounting = await autocannon({ ...load, amount: Math.round(result.requests.average * ACCOUNTING_S) });
    const peakRssMiB = (await memoryMiB(server)).peak;
    const exit = await server.stop(30_000);
    if (exit !== 0) throw new Error(`${setup.name}: the server exited with ${exit}:\n${server.output().slice(-2000)}`);
    return {
      setup: setup.name,
      requestsPerSecond: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      cpuUsPerRequest: cpu / result.requests.total,
      peakRssMiB,
      answered: accounting['2xx'],
      failed: [result, accounting].reduce((sum, run) => sum + run.errors + run.non2xx, 0),
      spansPerRequest,
      spansExpected: accounting['2xx'] * spansPerRequest,
      spansDelivered: (await collector.settledSpans()) - beforeAccounting,
      spansDroppedLogged: droppedSpansLogged(server.output()),
    };
  } finally {
    await server.stop();
  }
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
const collector = await startCollector({ cpu: COLLECTOR_CORE });
const runs: (Measurement & { round: number; ofBare: number })[] = [];
try {
  for (let round = 1; round <= ROUNDS; round++) {
    let bare = 0;
    for (const setup of SETUPS) {
      const result = await measure(setup, collector);
      bare ||= result.requestsPerSecond;
      runs.push({ ...result, round, ofBare: result.requestsPerSecond / bare });
      console.error(
        `round ${round} ${setup.name}: ${result.requestsPerSecond.toFixed(0)} req/s (${(result.requestsPerSecond / bare).toFixed(2)} of bare), ` +
          `${result.cpuUsPerRequest.toFixed(1)} µs CPU/request, spans ${result.spansDelivered}/${result.spansExpected}`,
      );
    }
  }
} finally {
  await collector.stop();
}

const bareCpu = median(runs.filter((run) => run.setup === 'bare').map((run) => run.cpuUsPerRequest));
const summary = SETUPS.map(({ name }) => {
  const of = runs.filter((run) => run.setup === name);
  const cpuUsPerRequest = median(of.map((run) => run.cpuUsPerRequest));
  const spansPerRequest = of[0].spansPerRequest;
  return {
    setup: name,
    requestsPerSecond: Math.round(median(of.map((run) => run.requestsPerSecond))),
    ofBare: median(of.map((run) => run.ofBare)),
    p50Ms: median(of.map((run) => run.p50Ms)),
    p99Ms: median(of.map((run) => run.p99Ms)),
    cpuUsPerRequest,
    addedCpuUsPerRequest: cpuUsPerRequest - bareCpu,
    addedCpuUsPerSpan: spansPerRequest > 0 ? (cpuUsPerRequest - bareCpu) / spansPerRequest : undefined,
    peakRssMiB: Math.max(...of.map((run) => run.peakRssMiB)),
    spansPerRequest,
    spansDelivered: of.reduce((sum, run) => sum + run.spansDelivered, 0),
    spansExpected: of.reduce((sum, run) => sum + run.spansExpected, 0),
    spansDroppedLogged: of.reduce((sum, run) => sum + run.spansDroppedLogged, 0),
    failed: of.reduce((sum, run) => sum + run.failed, 0),
  };
});
const ofBare = (name: string) => summary.find((entry) => entry.setup === name)?.ofBare ?? Number.NaN;
const figures = {
  stockSampledOverBare: ofBare('stock'),
  stockUnsampledOverBare: ofBare('stock unsampled'),
  leanSampledOverBare: ofBare('lean'),
  leanUnsampledOverBare: ofBare('lean unsampled'),
  nothingLost: summary.every(
    (entry) => entry.spansDelivered === entry.spansExpected && entry.spansDroppedLogged === 0 && entry.failed === 0,
  ),
};

console.log(
  `\nServer overhead: GET /hello, ${CONNECTIONS} connections, about ${DURATION_S} s per run, medians of ${ROUNDS} rounds; ` +
    `server on core ${SERVER_CORE}, load and collector on core ${COLLECTOR_CORE}; Node.js ${process.version}\n`,
);
console.log(
  '| set-up | req/s | of bare | p50 ms | p99 ms | CPU µs/request | added µs/request | added µs/span | spans/request | spans delivered | peak RSS MiB |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
for (const entry of summary) {
  console.log(
    `| ${entry.setup} | ${entry.requestsPerSecond} | ${entry.ofBare.toFixed(2)} | ${entry.p50Ms} | ${entry.p99Ms} | ${entry.cpuUsPerRequest.toFixed(1)} | ` +
      `${entry.addedCpuUsPerRequest.toFixed(1)} | ${entry.addedCpuUsPerSpan?.toFixed(1) ?? ''} | ${entry.spansPerRequest} | ` +
      `${entry.spansDelivered}/${entry.spansExpected} | ${entry.peakRssMiB.toFixed(0)} |`,
  );
}
console.log(
  `\nstock ${figures.stockSampledOverBare.toFixed(2)} of bare sampled, ${figures.stockUnsampledOverBare.toFixed(2)} unsampled; ` +
    `lean ${figures.leanSampledOverBare.toFixed(2)} sampled (target ≥ ${TARGETS.leanSampledOverBare}), ` +
    `${figures.leanUnsampledOverBare.toFixed(2)} unsampled (goal ${TARGETS.leanUnsampledOverBare}); ` +
    `every span of every answered request delivered: ${figures.nothingLost ? 'yes' : 'NO'}\n`,
);
console.log(
  JSON.stringify({
    bench: 'server-overhead',
    rounds: ROUNDS,
    durationS: DURATION_S,
    connections: CONNECTIONS,
    node: process.version,
    summary,
    figures,
    targets: TARGETS,
    runs,
  }),
);
