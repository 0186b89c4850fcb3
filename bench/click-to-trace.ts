// Click to trace: from the click on "Say hello" until Jaeger holds the complete trace, through the
// native stack (real collector and Jaeger built from Go modules) with the settings as shipped, and
// where that time goes: until the click span ends, until the page sends its spans, until Jaeger has them;
// and the page load's trace beside it, from the page's `load` event until Jaeger holds the page
// server's document span with documentLoad, documentFetch and resourceFetch under it.
import type { Page } from 'playwright-core';
import { HELLO_SPANS, PAGE_LOAD_SPANS } from '../e2e/support/hello-trace.ts';
import { clickSayHello, launchChromium, pageLoadTraceId, startServerAndPage } from '../e2e/support/page.ts';
import { startPipeline, traceFromJaeger } from '../e2e/support/pipeline.ts';
import { freePort } from '../e2e/support/processes.ts';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 20);
const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const TARGET_P50_MS = 400;
const TARGET_P90_MS = 500;

/** One click's time, cut where its spans end; the parts add up to the total. */
interface Click {
  totalMs: number;
  /** From the click until the page has the answer (the StartRequests span ends). */
  answerMs: number;
  /** Until the page sends the trace's spans: the fetch span ends 300 ms after the answer, then the page's batching. */
  pageExportMs: number;
  /** Until Jaeger has the whole trace: the collector's batch, Jaeger's write, the bench's 20 ms poll. */
  deliveryMs: number;
}

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

const clicks: Click[] = [];
const loadTimesMs: number[] = [];
try {
  const tab = await browser.newPage();
  await tab.goto(stack.pageUrl);
  // When the page sends spans to the collector.
  const exportsAt: number[] = [];
  tab.on('request', (request) => {
    if (request.url().endsWith('/v1/traces') && request.method() === 'POST') exportsAt.push(Date.now());
  });
  // One click to warm up, then the measured ones.
  for (let click = 0; click <= CLICKS; click++) {
    const clickedAt = Date.now();
    const traceId = await clickSayHello(tab);
    const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, HELLO_SPANS, { pollMs: 20 });
    const doneAt = Date.now();
    const answeredAt = spans.find((span) => span.service === 'hello-web' && span.name === 'StartRequests')!.endUnixMs;
    // The page's export that completed the trace: its last one before Jaeger had it.
    const exportedAt = exportsAt.findLast((at) => at <= doneAt) ?? doneAt;
    if (click > 0) {
      clicks.push({
        totalMs: doneAt - clickedAt,
        answerMs: answeredAt - clickedAt,
        pageExportMs: exportedAt - answeredAt,
        deliveryMs: doneAt - exportedAt,
      });
    }
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

const percentile = (values: number[], p: number) => {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
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
