// Server overhead: /hello throughput and latency for three set-ups side by side, in one run, at
// 100% sampling, each exporting to an OTLP receiver that counts spans. The server runs on core 0;
// this process (load generator and receiver) on core 1, so that the ratios repeat.
//   (a) bare:    the same server without the tracing preload
//   (b) shipped: this project's server as it ships (server/src/instrumentation.ts)
//   (c) stock:   @opentelemetry/auto-instrumentations-node with its defaults, as users copy it
// and, to show where the cost sits, (b) with sampling off (instrumented, but no span recorded) and
// (b) exporting OTLP/JSON instead of protobuf.
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { OtlpReceiver } from '../e2e/support/otlp-receiver.ts';
import { repoRoot, SERVER_ARGS, startProcess } from '../e2e/support/processes.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const WARMUP_REQUESTS = 5_000;
const CONNECTIONS = 32;
const SERVER_CORE = '0';
const benchModules = fileURLToPath(new URL('node_modules/', import.meta.url));

interface Setup {
  name: 'bare' | 'shipped' | 'stock' | 'shipped-unsampled' | 'shipped-json';
  args: string[];
  env?: Record<string, string>;
}

const SETUPS: Setup[] = [
  { name: 'bare', args: ['--env-file=otel.env', 'dist/main.js'] },
  { name: 'shipped', args: SERVER_ARGS },
  {
    name: 'stock',
    // The ESM loader hook and the register script, as the auto-instrumentations README shows for ES modules.
    args: [
      `--experimental-loader=${benchModules}@opentelemetry/instrumentation/hook.mjs`,
      '--require', `${benchModules}@opentelemetry/auto-instrumentations-node/dist/register.cjs`,
      'dist/main.js',
    ],
  },
  {
    name: 'shipped-unsampled',
    args: SERVER_ARGS,
    env: { OTEL_TRACES_SAMPLER: 'always_off' },
  },
  {
    name: 'shipped-json',
    args: SERVER_ARGS,
    env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
  },
];

interface Measurement {
  setup: Setup['name'];
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  answered: number;
  errors: number;
  spansPerRequest: number;
  spansExpected: number;
  spansDelivered: number;
}

async function measure(setup: Setup): Promise<Measurement> {
  const receiver = new OtlpReceiver({ keepSpans: false });
  await receiver.start();
  const server = await startProcess('taskset', ['-c', SERVER_CORE, process.execPath, ...setup.args], {
    cwd: `${repoRoot}/server`,
    env: { PORT: '0', OTEL_SERVICE_NAME: 'hello-server', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...setup.env },
    readyPattern: /listening on (http:\/\/\S+)/,
  });
  const url = `${server.ready[1]}/hello`;
  const headers = { baggage: 'name=GoFrame' };
  try {
    // One request first, to learn how many spans a request makes (after one batch delay).
    const probe = await fetch(url, { headers });
    await probe.text();
    const spansPerRequest = SPANLESS.includes(setup.name) ? 0 : await settledCount(receiver);
    // Set numbers of requests, not durations, so that every request is answered and counted;
    // the measured run is sized from the warm-up's rate to last about DURATION_S.
    const warmup = await autocannon({ url, headers, connections: CONNECTIONS, amount: WARMUP_REQUESTS });
    const amount = Math.round(warmup.requests.average * DURATION_S);
    const result = await autocannon({ url, headers, connections: CONNECTIONS, amount });
    const exit = await server.stop(30_000);
    if (exit !== 0) throw new Error(`${setup.name} server exited with ${exit}:\n${server.output().slice(-2000)}`);
    const answered = 1 + warmup['2xx'] + result['2xx'];
    return {
      setup: setup.name,
      requestsPerSecond: result['2xx'] / ((result.finish.getTime() - result.start.getTime()) / 1000),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      answered,
      errors: warmup.errors + warmup.non2xx + result.errors + result.non2xx,
      spansPerRequest,
      spansExpected: answered * spansPerRequest,
      spansDelivered: receiver.spanCount,
    };
  } finally {
    await server.stop();
    await receiver.stop();
  }
}

/** The receiver's span count once it has not changed for a while. */
async function settledCount(receiver: OtlpReceiver): Promise<number> {
  let last = -1;
  for (let waited = 0; waited < 15_000; waited += 1000) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (receiver.spanCount > 0 && receiver.spanCount === last) return last;
    last = receiver.spanCount;
  }
  throw new Error('no spans arrived for the probe request');
}

const SPANLESS: Setup['name'][] = ['bare', 'shipped-unsampled'];
const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];

const runs: Measurement[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const setup of SETUPS) {
    const result = await measure(setup);
    runs.push(result);
    console.error(`round ${round} ${setup.name}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, spans ${result.spansDelivered}/${result.spansExpected}`);
  }
}

const summary = Object.fromEntries(
  SETUPS.map(({ name }) => {
    const of = runs.filter((run) => run.setup === name);
    return [
      name,
      {
        requestsPerSecond: Math.round(median(of.map((run) => run.requestsPerSecond))),
        p50Ms: median(of.map((run) => run.p50Ms)),
        p99Ms: median(of.map((run) => run.p99Ms)),
        spansPerRequest: of[0].spansPerRequest,
        errors: of.reduce((sum, run) => sum + run.errors, 0),
        allSpansDelivered: of.every((run) => run.spansDelivered === run.spansExpected),
        spansDelivered: of.reduce((sum, run) => sum + run.spansDelivered, 0),
        spansExpected: of.reduce((sum, run) => sum + run.spansExpected, 0),
      },
    ];
  }),
);
const ratios = {
  shippedOverBare: summary.shipped.requestsPerSecond / summary.bare.requestsPerSecond,
  shippedOverStock: summary.shipped.requestsPerSecond / summary.stock.requestsPerSecond,
};

console.log(`\nServer overhead: GET /hello, ${CONNECTIONS} connections, ${DURATION_S} s per run, median of ${ROUNDS} rounds (server on core ${SERVER_CORE})\n`);
console.log('| set-up | req/s | p50 ms | p99 ms | spans/request | spans delivered | errors |');
console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: |');
for (const [name, row] of Object.entries(summary)) {
  console.log(`| ${name} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.spansPerRequest} | ${row.spansDelivered}/${row.spansExpected} | ${row.errors} |`);
}
console.log(`\nshipped/bare throughput ${ratios.shippedOverBare.toFixed(2)} (target ≥ 0.75); shipped/stock ${ratios.shippedOverStock.toFixed(2)} (target ≥ 1.5)\n`);
console.log(JSON.stringify({ bench: 'server-overhead', rounds: ROUNDS, durationS: DURATION_S, connections: CONNECTIONS, summary, ratios, runs }));
