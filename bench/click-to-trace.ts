// Click to trace: from the click on "Say hello" until Jaeger holds the complete trace, through the
// native stack (real collector and Jaeger built from Go modules) with the settings as shipped, and
// where that time goes: until the click span ends, until the page sends its spans, until Jaeger has them;
// and the page load's trace beside it, from the page's `load` event until Jaeger holds the page
// server's document span with documentLoad, documentFetch and resourceFetch under it.
import type { Page } from 'playwright-core';
import { PAGE_LOAD_SPANS } from '@hello-trace/harness/testing/hello-trace';
import { launchChromium, pageLoadTraceId, startServerAndPage } from '@hello-trace/harness/testing/page';
import { startPipeline, traceFromJaeger } from '@hello-trace/harness/testing/pipeline';
import { freePort } from '@hello-trace/harness/testing/processes';
import { percentile, timeClicks, type Click } from './click-timing.ts';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 20);
const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const TARGET_P50_MS = 400;
const TARGET_P90_MS = 500;

const pagePort = await freePort();
const pipeline = await startPipeline(pagePort);
const stack = await startServerAndPage({
  pagePort,
  otlpUrl: pipeline.collector.url,
  // As shipped: the page exports to its own origin, and the page server relays.
  relayTo: pipeline.collector.browserUrl,
  jaegerUrl: pipeline.jaeger.url,
});
const browser = await launchChromium();

/** When the page's `load` event began, in milliseconds since the epoch (the browser runs on this machine). */
function loadedAt(tab: Page): Promise<number> {
  return tab.evaluate(
    () =>
      performance.timeOrigin +
      (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart,
  );
}

let clicks: Click[] = [];
const loadTimesMs: number[] = [];
try {
  const tab = await browser.newPage();
  await tab.goto(stack.pageUrl);
  clicks = await timeClicks(tab, pipeline.jaeger.url, CLICKS);
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

const median = (part: keyof Click) =>
  percentile(
    clicks.map((click) => click[part]),
    50,
  );
const totals = clicks.map((click) => click.totalMs);
const pageLoad = {
  loads: LOADS,
  p50Ms: percentile(loadTimesMs, 50),
  p90Ms: percentile(loadTimesMs, 90),
  maxMs: Math.max(...loadTimesMs),
};
const figures = {
  clicks: CLICKS,
  p50Ms: percentile(totals, 50),
  p90Ms: percentile(totals, 90),
  maxMs: Math.max(...totals),
  medianAnswerMs: median('answerMs'),
  medianPageExportMs: median('pageExportMs'),
  medianDeliveryMs: median('deliveryMs'),
  targetP50Ms: TARGET_P50_MS,
  targetP90Ms: TARGET_P90_MS,
  pageLoad,
};

console.log(`\nClick to trace: ${CLICKS} clicks, from the click until Jaeger has the complete trace (native stack)\n`);
console.log('| p50 ms | p90 ms | max ms | median: click to answer | answer to page export | export to Jaeger |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
console.log(
  `| ${[figures.p50Ms, figures.p90Ms, figures.maxMs, figures.medianAnswerMs, figures.medianPageExportMs, figures.medianDeliveryMs].map((ms) => ms.toFixed(0)).join(' | ')} |`,
);
console.log(
  `\np50 ${figures.p50Ms.toFixed(0)} ms (target ≤ ${TARGET_P50_MS} ms), p90 ${figures.p90Ms.toFixed(0)} ms (target < ${TARGET_P90_MS} ms)\n`,
);
console.log(
  `Page load to trace: ${LOADS} loads, from \`load\` until Jaeger has the complete trace: p50 ${pageLoad.p50Ms.toFixed(0)} ms, ` +
    `p90 ${pageLoad.p90Ms.toFixed(0)} ms, max ${pageLoad.maxMs.toFixed(0)} ms (target: no slower than the click's p50)\n`,
);
console.log(JSON.stringify({ bench: 'click-to-trace', ...figures, timesMs: totals, loadTimesMs }));
