// The gateways' CPU per span: the scale path with its gateways as shipped (our collector,
// scale/gateway.yaml), then with the Jaeger binary's gateways as they were before
// (jaeger-gateway.yaml: Jaeger's embedded tail_sampling and kafka exporter, the same policy), one after
// the other in one run, under the same whole-trace load at the same offered rates. Each gateway's CPU
// comes from /proc, over its idle CPU, per span sent, as scale-throughput.ts measures each part.
import { startScalePath } from './scale-path.ts';
import { idleCpuPercent, runStep, type StepResult } from './throughput-steps.ts';

const RATES = (process.env.BENCH_STEPS ?? '2000,4000').split(',').map(Number);
const STEP_S = Number(process.env.BENCH_STEP_S ?? 20);
const IDLE_S = 10;
/** Before the steps, uncounted: the Java engines' and Go runtimes' warm-up. */
const WARMUP = { spansPerSecond: 2000, seconds: 20 };
const GATEWAYS = ['gateway-1', 'gateway-2'];

interface Row {
  gateways: string;
  spansPerSecond: number;
  lost: number;
  /** Both gateways together, CPU µs per span sent, over their idle CPU. */
  cpuMicrosPerSpan: number;
  /** The highest resident memory of each gateway during the step, added. */
  rssMiB: number;
  loadAverage: number;
}

function gatewayCost(gateways: string, step: StepResult, idle: Record<string, number>): Row {
  let perSpan = 0;
  let rssMiB = 0;
  for (const name of GATEWAYS) {
    const part = step.parts[name];
    perSpan += Math.max(0, part.cpuMicros - idle[name] * 1e4 * step.elapsedS) / step.offered.spansSent;
    rssMiB += part.rssMiB;
  }
  return {
    gateways,
    spansPerSecond: step.spansPerSecond,
    lost: step.lost,
    cpuMicrosPerSpan: perSpan,
    rssMiB,
    loadAverage: step.loadAverage,
  };
}

const rows: Row[] = [];
for (const jaegerGateways of [false, true]) {
  const gateways = jaegerGateways ? 'Jaeger 2.12 (contrib v0.139)' : 'ours (contrib v0.161.0)';
  const stack = await startScalePath({ openSearchNodes: 1, jaegerGateways });
  try {
    const idle = await idleCpuPercent(stack, IDLE_S);
    await runStep(stack, WARMUP.spansPerSecond, WARMUP.seconds);
    for (const rate of RATES) {
      const row = gatewayCost(gateways, await runStep(stack, rate, STEP_S), idle);
      console.error(
        `${gateways} at ${rate} spans/s: ${row.cpuMicrosPerSpan.toFixed(1)} µs/span, lost ${row.lost}, load average ${row.loadAverage}`,
      );
      rows.push(row);
    }
  } finally {
    await stack.stop();
  }
}

console.log(`\nThe two gateways' CPU per span sent, over their idle CPU, in steps of ${STEP_S} s\n`);
console.log('| gateways | offered spans/s | CPU µs per span | RSS MiB, both | lost | load average |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(
    `| ${row.gateways} | ${row.spansPerSecond} | ${row.cpuMicrosPerSpan.toFixed(1)} | ${row.rssMiB.toFixed(0)} | ${row.lost} | ${row.loadAverage} |`,
  );
}
console.log(JSON.stringify({ bench: 'gateway-cpu', stepSeconds: STEP_S, rows }));
