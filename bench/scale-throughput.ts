// Throughput past one machine: the highest rate of spans a second that the scale path (two agents,
// two tail-sampling gateways, Kafka, the ingester, OpenSearch, query) carries with every span stored,
// and the same load through the small stack (one collector, Jaeger with Badger), side by side in one
// run. The load rises in steps of whole traces, half of each trace's spans through each receiver, as
// the page and the server send them (bench/whole-traces.ts); each step is counted end to end, in the
// store. A step holds when nothing is lost and the store keeps pace with the load; the highest such
// step is the figure. Then each part's CPU per span and memory at that rate, where the time goes at
// the first step that does not hold, and the click-to-trace time through both.
import { launchChromium, startServerAndPage } from '@hello-trace/harness/testing/page';
import { freePort } from '@hello-trace/harness/testing/processes';
import { percentile, timeClicks } from './click-timing.ts';
import { startScalePath } from './scale-path.ts';
import { startSmallStack } from './small-stack.ts';
import { idleCpuPercent, runStep, type Stack, type StepResult } from './throughput-steps.ts';

const STEPS = (process.env.BENCH_STEPS ?? '500,1000,2000,3000,4000,6000,8000,12000').split(',').map(Number);
const STEP_S = Number(process.env.BENCH_STEP_S ?? 20);
const IDLE_S = 10;
/** Before the steps, uncounted: the Java engines' and Go runtimes' warm-up (JIT, heaps, caches). */
const WARMUP = { spansPerSecond: 2000, seconds: 20 };
const CLICKS = Number(process.env.BENCH_CLICKS ?? 5);
const OPENSEARCH_NODES = process.env.BENCH_OPENSEARCH_NODES === '3' ? 3 : 1;
// BENCH_STACKS=scale measures the scale path alone.
const STACKS = (process.env.BENCH_STACKS ?? 'small,scale').split(',');
/** The store keeps pace when it takes at least this share of the offered rate while the load lasts. */
const KEEPS_PACE = 0.95;
const TARGET_SPANS_PER_SECOND = 2000;
const CORES = 2;

interface Run {
  stack: string;
  idleCpuPercent: Record<string, number>;
  steps: StepResult[];
  clickP50Ms: number;
}

const holds = (step: StepResult) =>
  step.lost === 0 &&
  step.offered.spansRefused === 0 &&
  step.storedPerSecond >= KEEPS_PACE * step.offered.achievedSpansPerSecond;

/** Every step through `stack` up to the first that does not hold, then clicks through it (its page reads traces at `jaegerUrl`). */
async function measure(
  stack: Stack,
  { pagePort, jaegerUrl, clickTimeoutMs }: { pagePort: number; jaegerUrl: string; clickTimeoutMs: number },
): Promise<Run> {
  const idle = await idleCpuPercent(stack, IDLE_S);
  const warmup = await runStep(stack, WARMUP.spansPerSecond, WARMUP.seconds);
  console.error(
    `${stack.name} warm-up at ${WARMUP.spansPerSecond} spans/s: stored ${warmup.stored.spans} of ${warmup.offered.spansSent}`,
  );
  const steps: StepResult[] = [];
  for (const rate of STEPS) {
    const step = await runStep(stack, rate, STEP_S);
    steps.push(step);
    console.error(
      `${stack.name} ${rate} spans/s: sent ${step.offered.spansSent} at ${step.offered.achievedSpansPerSecond.toFixed(0)}/s, ` +
        `refused ${step.offered.spansRefused}, stored ${step.stored.spans} (${step.storedPerSecond.toFixed(0)}/s during the load, ` +
        `all ${step.settledAfterS.toFixed(1)} s after it), lost ${step.lost}, whole ${step.stored.tracesWhole}/${step.stored.tracesChecked}; ` +
        `load average ${step.loadAverage}, machine CPU ${step.machineCpuPercent.toFixed(0)}%; ` +
        Object.entries(step.parts)
          .map(([name, part]) => `${name} ${part.cpuMicrosPerSpan.toFixed(0)} µs/span ${part.rssMiB.toFixed(0)} MiB`)
          .join(', ') +
        (step.signals.length ? `\n  ${step.signals.join('\n  ')}` : ''),
    );
    if (!holds(step)) break;
  }
  const page = await startServerAndPage({ pagePort, otlpUrl: stack.serverUrl, relayTo: stack.pageUrl, jaegerUrl });
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    await tab.goto(page.pageUrl);
    const clicks = await timeClicks(tab, jaegerUrl, CLICKS, clickTimeoutMs);
    const totals = clicks.map((click) => click.totalMs);
    return { stack: stack.name, idleCpuPercent: idle, steps, clickP50Ms: percentile(totals, 50) };
  } finally {
    await browser.close();
    await page.stop();
  }
}

const runs: Run[] = [];
if (STACKS.includes('small')) {
  const pagePort = await freePort();
  const small = await startSmallStack(pagePort);
  try {
    runs.push(await measure(small, { pagePort, jaegerUrl: small.jaegerUrl, clickTimeoutMs: 30_000 }));
  } finally {
    await small.stop();
  }
}
if (STACKS.includes('scale')) {
  const scale = await startScalePath({ openSearchNodes: OPENSEARCH_NODES });
  try {
    // A click's trace waits out the gateways' decision.
    runs.push(await measure(scale, { pagePort: await freePort(), jaegerUrl: scale.jaegerUrl, clickTimeoutMs: 60_000 }));
  } finally {
    await scale.stop();
  }
}

const best = (run: Run) => run.steps.filter(holds).at(-1);
const firstFailing = (run: Run) => run.steps.find((step) => !holds(step));

console.log(`\nThroughput: whole traces in steps of ${STEP_S} s, every span counted in the store\n`);
console.log(
  `| offered spans/s | ${runs.map((run) => `${run.stack}: stored / sent | lost | stored/s during the load | all stored after`).join(' | ')} |`,
);
console.log(`| ---: | ${runs.map(() => '---: | ---: | ---: | ---:').join(' | ')} |`);
STEPS.forEach((rate, index) => {
  const cells = runs.map((run) => {
    const step = run.steps[index];
    if (!step) return 'not run | | |';
    return `${step.stored.spans} / ${step.offered.spansSent} | ${step.lost} | ${step.storedPerSecond.toFixed(0)} | ${step.settledAfterS.toFixed(1)} s`;
  });
  if (runs.some((run) => run.steps[index])) console.log(`| ${rate} | ${cells.join(' | ')} |`);
});

/** Each part's cost at one step: its idle CPU, its CPU per span over that, and its memory. */
function costTable(run: Run, step: StepResult): void {
  console.log(
    `\n${run.stack} at ${step.spansPerSecond} spans/s (load average ${step.loadAverage} at the start, machine CPU ${step.machineCpuPercent.toFixed(0)}% of ${CORES * 100}):\n`,
  );
  console.log('| part | idle CPU % | CPU µs per span | CPU % of a core at this rate | RSS MiB |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  let total = 0;
  const parts = [...Object.entries(step.parts), ['load generator (this process)', step.sender] as const];
  for (const [name, part] of parts) {
    const idle = run.idleCpuPercent[name] ?? 0;
    const perSpan = Math.max(0, part.cpuMicros - idle * 1e4 * step.elapsedS) / step.offered.spansSent;
    total += perSpan;
    const atRate = idle + (perSpan * step.offered.achievedSpansPerSecond) / 1e4;
    console.log(
      `| ${name} | ${idle.toFixed(1)} | ${perSpan.toFixed(1)} | ${atRate.toFixed(0)} | ${part.rssMiB.toFixed(0)} |`,
    );
  }
  console.log(
    `\nIn all ${total.toFixed(0)} µs of CPU per span: this machine's ${CORES} cores would be full at about ${((CORES * 1e6) / total).toFixed(0)} spans/s with nothing else running.`,
  );
  if (step.signals.length) console.log(`Queues and refusals:\n- ${step.signals.join('\n- ')}`);
}

for (const run of runs) {
  const top = best(run);
  console.log(
    `\n${run.stack}: ${top ? `${top.spansPerSecond} spans/s` : 'no step'} with nothing lost and the store keeping pace (target ≥ ${TARGET_SPANS_PER_SECOND}); ` +
      `click to trace p50 ${run.clickP50Ms.toFixed(0)} ms`,
  );
  if (top) costTable(run, top);
  const failing = firstFailing(run);
  if (failing) costTable(run, failing);
}
console.log(
  JSON.stringify({
    bench: 'scale-throughput',
    stepSeconds: STEP_S,
    runs: runs.map((run) => ({
      ...run,
      highestSpansPerSecond: best(run)?.spansPerSecond ?? 0,
      steps: run.steps.map((step) => ({
        ...step,
        offered: { ...step.offered, traceIds: step.offered.traceIds.length },
      })),
    })),
    targetSpansPerSecond: TARGET_SPANS_PER_SECOND,
  }),
);
