// Click to trace: from the click on "Say hello" until Jaeger holds the complete trace, through the
// small stack (real collector and Jaeger built from Go modules) and through the scale path (agents,
// tail-sampling gateways, Kafka, the ingester, one OpenSearch node, the query), one after the other in
// one run, with the settings as shipped; and where that time goes: until the click span ends, until
// the page sends its spans, until Jaeger has them. The page load's trace beside it, from the page's
// `load` event until Jaeger holds the page server's document span with documentLoad, documentFetch and
// resourceFetch under it. On the scale path, also the spans that reached a gateway after their trace
// was decided, which its decision cache placed: each is a trace decided before it was whole.
import type { Page } from 'playwright-core';
import { PAGE_LOAD_SPANS } from '@hello-trace/harness/testing/hello-trace';
import { launchChromium, pageLoadTraceId, startServerAndPage } from '@hello-trace/harness/testing/page';
import { startPipeline, traceFromJaeger } from '@hello-trace/harness/testing/pipeline';
import { freePort } from '@hello-trace/harness/testing/processes';
import { startScaleStack } from '@hello-trace/harness/testing/scale';
import { percentile, randomPause, timeClicks, type Click } from './click-timing.ts';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 20);
const LOADS = Number(process.env.BENCH_LOADS ?? 20);
// BENCH_STACKS=scale measures the scale path alone.
const STACKS = (process.env.BENCH_STACKS ?? 'small,scale').split(',');
const TARGET_P50_MS = { small: 400, scale: 2000 };
const LATE_SPANS = 'otelcol_processor_tail_sampling_early_releases_from_cache_decision';

interface Stack {
  name: keyof typeof TARGET_P50_MS;
  /** The server's OTLP/HTTP receiver, the page's (which its page server relays to), and Jaeger's query. */
  serverUrl: string;
  pageUrl: string;
  jaegerUrl: string;
  /** Spans the gateways placed by a decision already made, so far; none on the small stack. */
  lateSpans?: () => Promise<number>;
  stop(): Promise<void>;
}

interface Figures {
  stack: string;
  clicks: number;
  p50Ms: number;
  p90Ms: number;
  maxMs: number;
  medianAnswerMs: number;
  medianPageExportMs: number;
  medianDeliveryMs: number;
  targetP50Ms: number;
  pageLoad: { loads: number; p50Ms: number; p90Ms: number; maxMs: number };
  /** Late spans during the clicks and during the page loads. */
  lateSpans?: { clicks: number; loads: number };
  timesMs: number[];
  loadTimesMs: number[];
}

/** When the page's `load` event began, in milliseconds since the epoch (the browser runs on this machine). */
function loadedAt(tab: Page): Promise<number> {
  return tab.evaluate(
    () =>
      performance.timeOrigin +
      (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart,
  );
}

async function measure(stack: Stack, pagePort: number): Promise<Figures> {
  const app = await startServerAndPage({
    pagePort,
    otlpUrl: stack.serverUrl,
    // As shipped: the page exports to its own origin, and the page server relays.
    relayTo: stack.pageUrl,
    jaegerUrl: stack.jaegerUrl,
  });
  const browser = await launchChromium();
  const late = async () => (await stack.lateSpans?.()) ?? 0;
  try {
    const tab = await browser.newPage();
    await tab.goto(app.pageUrl);
    const beforeClicks = await late();
    const clicks = await timeClicks(tab, stack.jaegerUrl, CLICKS);
    const beforeLoads = await late();
    // The same for page loads: one to warm up, then the measured ones.
    const loadTimesMs: number[] = [];
    for (let load = 0; load <= LOADS; load++) {
      await randomPause();
      await tab.goto(app.pageUrl);
      const traceId = await pageLoadTraceId(tab);
      await traceFromJaeger(stack.jaegerUrl, traceId, PAGE_LOAD_SPANS, { pollMs: 20, retryServerErrors: true });
      if (load > 0) loadTimesMs.push(Date.now() - (await loadedAt(tab)));
    }
    const afterLoads = await late();
    const median = (part: keyof Click) =>
      percentile(
        clicks.map((click) => click[part]),
        50,
      );
    const totals = clicks.map((click) => click.totalMs);
    return {
      stack: stack.name,
      clicks: CLICKS,
      p50Ms: percentile(totals, 50),
      p90Ms: percentile(totals, 90),
      maxMs: Math.max(...totals),
      medianAnswerMs: median('answerMs'),
      medianPageExportMs: median('pageExportMs'),
      medianDeliveryMs: median('deliveryMs'),
      targetP50Ms: TARGET_P50_MS[stack.name],
      pageLoad: {
        loads: LOADS,
        p50Ms: percentile(loadTimesMs, 50),
        p90Ms: percentile(loadTimesMs, 90),
        maxMs: Math.max(...loadTimesMs),
      },
      lateSpans: stack.lateSpans ? { clicks: beforeLoads - beforeClicks, loads: afterLoads - beforeLoads } : undefined,
      timesMs: totals,
      loadTimesMs,
    };
  } finally {
    await browser.close();
    await app.stop();
  }
}

const runs: Figures[] = [];
if (STACKS.includes('small')) {
  const pagePort = await freePort();
  const pipeline = await startPipeline(pagePort);
  const small: Stack = {
    name: 'small',
    serverUrl: pipeline.collector.url,
    pageUrl: pipeline.collector.browserUrl,
    jaegerUrl: pipeline.jaeger.url,
    stop: () => pipeline.stop(),
  };
  try {
    runs.push(await measure(small, pagePort));
  } finally {
    await small.stop();
  }
}
if (STACKS.includes('scale')) {
  // TAIL_SAMPLING_KEEP_PERCENT=100 (the default), so that every trace is kept.
  const scale = await startScaleStack({ openSearchNodes: 1 });
  try {
    runs.push(
      await measure(
        {
          name: 'scale',
          serverUrl: scale.serverAgentUrl,
          pageUrl: scale.browserAgentUrl,
          jaegerUrl: scale.queryUrl,
          lateSpans: () => scale.onGateways(LATE_SPANS),
          stop: () => scale.stop(),
        },
        await freePort(),
      ),
    );
  } finally {
    await scale.stop();
  }
}

const ms = (value: number) => value.toFixed(0);
console.log(
  `\nClick to trace: ${CLICKS} clicks, from the click until Jaeger has the complete trace; ${LOADS} page loads, from \`load\` until it has theirs\n`,
);
console.log(
  '| stack | click p50 ms | p90 ms | max ms | median: click to answer | answer to page export | export to Jaeger | page load p50 ms | p90 ms | max ms | late spans: clicks | loads |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const run of runs) {
  console.log(
    `| ${run.stack} | ${[run.p50Ms, run.p90Ms, run.maxMs, run.medianAnswerMs, run.medianPageExportMs, run.medianDeliveryMs, run.pageLoad.p50Ms, run.pageLoad.p90Ms, run.pageLoad.maxMs].map(ms).join(' | ')} | ` +
      `${run.lateSpans?.clicks ?? '–'} | ${run.lateSpans?.loads ?? '–'} |`,
  );
}
console.log('');
for (const run of runs) {
  console.log(`${run.stack}: click p50 ${ms(run.p50Ms)} ms (target ≤ ${run.targetP50Ms} ms)`);
}
console.log(JSON.stringify({ bench: 'click-to-trace', runs }));
