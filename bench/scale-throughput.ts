// Throughput past one machine: the highest rate of spans a second that the scale path (two agents,
// two tail-sampling gateways, Kafka, the ingester, OpenSearch, query) carries with every span stored,
// and the same load through the small stack (one collector, Jaeger with Badger), side by side in one
// run. The load rises in steps of whole traces, half of each trace's spans through each receiver, as
// the page and the server send them (bench/whole-traces.ts); each step is counted end to end, in the
// store. Then each part's memory and CPU at the highest rate, and the click-to-trace time through both.
import { launchChromium, startServerAndPage } from '../e2e/support/page.ts';
import { freePort } from '../e2e/support/processes.ts';
import { percentile, timeClicks } from './click-timing.ts';
import { startScalePath } from './scale-path.ts';
import { startSmallStack } from './small-stack.ts';
import { runStep, type Stack, type StepResult } from './throughput-steps.ts';

const STEPS = (process.env.BENCH_STEPS ?? '500,1000,2000,3000,4000').split(',').map(Number);
const STEP_S = Number(process.env.BENCH_STEP_S ?? 20);
const CLICKS = Number(process.env.BENCH_CLICKS ?? 5);
const OPENSEARCH_NODES = process.env.BENCH_OPENSEARCH_NODES === '3' ? 3 : 1;
// BENCH_STACKS=scale measures the scale path alone.
const STACKS = (process.env.BENCH_STACKS ?? 'small,scale').split(',');
const TARGET_SPANS_PER_SECOND = 2000;

interface Run {
  stack: string;
  steps: StepResult[];
  clickP50Ms: number;
}

/** Every step through `stack`, then clicks through it (its page relays to `pageRelayTo`, reads traces at `jaegerUrl`). */
async function measure(
  stack: Stack,
  { pagePort, jaegerUrl, clickTimeoutMs }: { pagePort: number; jaegerUrl: string; clickTimeoutMs: number },
): Promise<Run> {
  const steps: StepResult[] = [];
  for (const rate of STEPS) {
    const step = await runStep(stack, rate, STEP_S);
    steps.push(step);
    console.error(
      `${stack.name} ${rate} spans/s: sent ${step.offered.spansSent} at ${step.offered.achievedSpansPerSecond.toFixed(0)}/s, ` +
        `refused ${step.offered.spansRefused}, stored ${step.stored.spans}, lost ${step.lost}, settled after ${step.settledAfterS.toFixed(1)} s, ` +
        `load ${step.loadAverage}, machine CPU ${step.machineCpuPercent.toFixed(0)}%; ` +
        Object.entries(step.parts)
          .map(([name, part]) => `${name} ${part.cpuPercent.toFixed(0)}% ${part.rssMiB.toFixed(0)} MiB`)
          .join(', ') +
        (step.signals.length ? `\n  ${step.signals.join('\n  ')}` : ''),
    );
  }
  const page = await startServerAndPage({
    pagePort,
    otlpUrl: stack.serverUrl,
    relayTo: stack.pageUrl,
    jaegerUrl,
  });
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    await tab.goto(page.pageUrl);
    const clicks = await timeClicks(tab, jaegerUrl, CLICKS, clickTimeoutMs);
    return {
      stack: stack.name,
      steps,
      clickP50Ms: percentile(
        clicks.map((click) => click.totalMs),
        50,
      ),
    };
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
    // The page's relay and the server send to the agents; a click's trace waits out the gateways' decision.
    runs.push(await measure(scale, { pagePort: await freePort(), jaegerUrl: scale.jaegerUrl, clickTimeoutMs: 60_000 }));
  } finally {
    await scale.stop();
  }
}

const best = (run: Run) => run.steps.filter((step) => step.lost === 0 && step.offered.spansRefused === 0).at(-1);
console.log(`\nThroughput: whole traces in steps of ${STEP_S} s, every span counted in the store\n`);
console.log(`| offered spans/s | ${runs.map((run) => `${run.stack}: sent/s | stored | lost`).join(' | ')} |`);
console.log(`| ---: | ${runs.map(() => '---: | ---: | ---:').join(' | ')} |`);
STEPS.forEach((rate, index) => {
  const cells = runs.map((run) => {
    const step = run.steps[index];
    return step
      ? `${step.offered.achievedSpansPerSecond.toFixed(0)} | ${step.stored.spans}/${step.offered.spansSent} | ${step.lost}`
      : ' | | ';
  });
  console.log(`| ${rate} | ${cells.join(' | ')} |`);
});
for (const run of runs) {
  const top = best(run);
  console.log(
    `\n${run.stack}: highest step with nothing lost ${top?.spansPerSecond ?? 'none'} spans/s (target ≥ ${TARGET_SPANS_PER_SECOND}); click to trace p50 ${run.clickP50Ms.toFixed(0)} ms`,
  );
  if (!top) continue;
  console.log('\n| part | CPU % of a core | CPU µs per span | RSS MiB |\n| --- | ---: | ---: | ---: |');
  for (const [name, part] of [...Object.entries(top.parts), ['load generator (this process)', top.sender] as const]) {
    console.log(
      `| ${name} | ${part.cpuPercent.toFixed(0)} | ${part.cpuMicrosPerSpan.toFixed(1)} | ${part.rssMiB.toFixed(0)} |`,
    );
  }
}
console.log(
  JSON.stringify({
    bench: 'scale-throughput',
    stepSeconds: STEP_S,
    runs: runs.map((run) => ({
      ...run,
      highestLosslessSpansPerSecond: best(run)?.spansPerSecond ?? 0,
      steps: run.steps.map((step) => ({
        ...step,
        offered: { ...step.offered, traceIds: step.offered.traceIds.length },
      })),
    })),
    targetSpansPerSecond: TARGET_SPANS_PER_SECOND,
  }),
);
