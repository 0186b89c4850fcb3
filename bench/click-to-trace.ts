// Click to trace: from the click on "Say hello" until Jaeger holds the complete trace, through the
// native stack (real collector and Jaeger built from Go modules) with the batch delays as shipped;
// and the page load's trace beside it: from the page's `load` event until Jaeger holds documentLoad
// with its documentFetch and resourceFetch spans (with no traced page server, documentLoad is the root).
import type { Page } from 'playwright-core';
import { HELLO_SPANS, PAGE_LOAD_SPANS } from '../e2e/support/hello-trace.ts';
import { clickSayHello, launchChromium, pageLoadTraceId, startServerAndPage } from '../e2e/support/page.ts';
import { startPipeline, traceFromJaeger } from '../e2e/support/pipeline.ts';
import { freePort } from '../e2e/support/processes.ts';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 20);
const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const TARGET_P50_MS = 1500;

const pagePort = await freePort();
const pipeline = await startPipeline(pagePort);
const stack = await startServerAndPage({ pagePort, otlpUrl: pipeline.collector.url, jaegerUrl: pipeline.jaeger.url });
const browser = await launchChromium();

/** When the page's `load` event began, in milliseconds since the epoch (the browser runs on this machine). */
function loadedAt(tab: Page): Promise<number> {
  return tab.evaluate(
    () =>
      performance.timeOrigin +
      (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart,
  );
}

const timesMs: number[] = [];
const loadTimesMs: number[] = [];
try {
  const tab = await browser.newPage();
  await tab.goto(stack.pageUrl);
  // One click to warm up, then the measured ones.
  for (let click = 0; click <= CLICKS; click++) {
    const started = performance.now();
    const traceId = await clickSayHello(tab);
    await traceFromJaeger(pipeline.jaeger.url, traceId, HELLO_SPANS, { pollMs: 20 });
    if (click > 0) timesMs.push(performance.now() - started);
  }
  // The same for page loads: one to warm up, then the measured ones.
  for (let load = 0; load <= LOADS; load++) {
    await tab.goto(stack.pageUrl);
    const traceId = await pageLoadTraceId(tab);
    await traceFromJaeger(pipeline.jaeger.url, traceId, PAGE_LOAD_SPANS, { pollMs: 20 });
    if (load > 0) loadTimesMs.push(Date.now() - (await loadedAt(tab)));
  }
} finally {
  await browser.close();
  await stack.stop();
  await pipeline.stop();
}

function summary(times: number[]) {
  const sorted = times.toSorted((a, b) => a - b);
  const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50Ms: percentile(50), p90Ms: percentile(90), maxMs: sorted.at(-1)! };
}
const click = summary(timesMs);
const pageLoad = summary(loadTimesMs);
const figures = {
  clicks: CLICKS,
  ...click,
  targetP50Ms: TARGET_P50_MS,
  loads: LOADS,
  pageLoad,
};

console.log(`\nClick to trace (native stack): until Jaeger has the complete trace\n`);
console.log('| trace | from | runs | p50 ms | p90 ms | max ms |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const [name, from, runs, row] of [
  ['click', 'the click', CLICKS, click],
  ['page load', 'the `load` event', LOADS, pageLoad],
] as const) {
  console.log(
    `| ${name} | ${from} | ${runs} | ${row.p50Ms.toFixed(0)} | ${row.p90Ms.toFixed(0)} | ${row.maxMs.toFixed(0)} |`,
  );
}
console.log(`\nclick p50 ${click.p50Ms.toFixed(0)} ms (target ≤ ${TARGET_P50_MS} ms)`);
console.log(
  `page load p50 ${pageLoad.p50Ms.toFixed(0)} ms (target: no slower than the click's, ${click.p50Ms.toFixed(0)} ms)\n`,
);
console.log(JSON.stringify({ bench: 'click-to-trace', ...figures, timesMs, loadTimesMs }));
