// Click to trace: from the click on "Say hello" until Jaeger holds the complete trace, through the
// native stack (real collector and Jaeger built from Go modules) with the batch delays as shipped.
import { HELLO_SPANS } from '../e2e/support/hello-trace.ts';
import { clickSayHello, launchChromium, servePage } from '../e2e/support/page.ts';
import { startPipeline, traceFromJaeger } from '../e2e/support/pipeline.ts';
import { freePort, startServer } from '../e2e/support/processes.ts';

const CLICKS = Number(process.env.BENCH_CLICKS ?? 20);
const TARGET_P50_MS = 1500;

const pagePort = await freePort();
const pageOrigin = `http://localhost:${pagePort}`;
const pipeline = await startPipeline(pagePort);
const server = await startServer({
  OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url,
  CORS_ALLOWED_ORIGINS: pageOrigin,
});
const page = await servePage(
  pagePort,
  { VITE_SERVER_URL: server.ready[1], VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${pipeline.collector.url}/v1/traces` },
  { JAEGER_QUERY_URL: pipeline.jaeger.url },
);
const browser = await launchChromium();

const timesMs: number[] = [];
try {
  const tab = await browser.newPage();
  await tab.goto(page.ready[1]);
  // One click to warm up, then the measured ones.
  for (let click = 0; click <= CLICKS; click++) {
    const started = performance.now();
    const traceId = await clickSayHello(tab);
    await traceFromJaeger(pipeline.jaeger.url, traceId, HELLO_SPANS, { pollMs: 20 });
    if (click > 0) timesMs.push(performance.now() - started);
  }
} finally {
  await browser.close();
  await page.dispose();
  await server.stop();
  await pipeline.stop();
}

const sorted = timesMs.toSorted((a, b) => a - b);
const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const figures = {
  clicks: CLICKS,
  p50Ms: percentile(50),
  p90Ms: percentile(90),
  maxMs: sorted.at(-1)!,
  targetP50Ms: TARGET_P50_MS,
};

console.log(`\nClick to trace: ${CLICKS} clicks, from the click until Jaeger has the complete trace (native stack)\n`);
console.log('| p50 ms | p90 ms | max ms |');
console.log('| ---: | ---: | ---: |');
console.log(`| ${figures.p50Ms.toFixed(0)} | ${figures.p90Ms.toFixed(0)} | ${figures.maxMs.toFixed(0)} |`);
console.log(`\np50 ${figures.p50Ms.toFixed(0)} ms (target ≤ ${TARGET_P50_MS} ms)\n`);
console.log(JSON.stringify({ bench: 'click-to-trace', ...figures, timesMs }));
