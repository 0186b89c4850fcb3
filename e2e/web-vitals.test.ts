// Web Vitals in Chromium through the real collector to the real Jaeger: each a span under the page
// load's documentLoad. TTFB and FCP come with the load, LCP with the first input, CLS and INP when the
// page is hidden, sent by the flush on hide; also by the batch span processor's own flush alone, in
// a page built without "sending a trace as it ends". The page sends its spans to its own origin, and
// its page server relays them, as `npm start` has it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import {
  launchChromium,
  pageLoadTraceId,
  servePage,
  startPageServer,
  waitForWaterfall,
} from '@hello-trace/harness/testing/page';
import { startPipeline, traceFromJaeger, type Pipeline } from '@hello-trace/harness/testing/pipeline';
import { freePort, repoRoot, type RunningProcess } from '@hello-trace/harness/testing/processes';

const VITALS = ['TTFB', 'FCP', 'LCP', 'CLS', 'INP'].map((name) => `webVital ${name}`);
/** The page's settings: a server that does not answer (a click only shows an error), and a batch delay
 * far longer than any test here, so that only a flush sends the page's spans before the page is left. */
let pageEnv: Record<string, string>;

let pipeline: Pipeline;
let page: Awaited<ReturnType<typeof servePage>>;
let browser: Browser;

before(
  async () => {
    const pagePort = await freePort();
    pageEnv = { VITE_SERVER_URL: `http://127.0.0.1:${await freePort()}`, VITE_OTEL_BSP_SCHEDULE_DELAY: '10000' };
    pipeline = await startPipeline(pagePort);
    page = await servePage(pagePort, pageEnv, pageServerEnv());
    browser = await launchChromium();
  },
  { timeout: 900_000 },
);

after(async () => {
  await browser?.close();
  await page?.dispose();
  await pipeline?.stop();
});

function pageServerEnv(): Record<string, string> {
  return {
    JAEGER_QUERY_URL: pipeline.jaeger.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url,
    COLLECTOR_BROWSER_URL: pipeline.collector.browserUrl,
  };
}

/**
 * What a visitor does that each vital measures: the page's content shifts down by 120 px (CLS), then a
 * click on the heading whose handler runs for 150 ms (INP, with a long animation frame and its script).
 * The shift comes first: a shift within 500 ms of an input is not counted. Returns once the page has
 * been idle after the click's event timing: web-vitals takes an interaction into INP only then (a page
 * left before it reports no INP).
 */
async function shiftThenClick(tab: Page): Promise<void> {
  await tab.evaluate(() => {
    const banner = document.createElement('div');
    banner.style.height = '120px';
    document.body.prepend(banner);
    document.querySelector('h1')!.addEventListener('click', function slowClick() {
      const end = performance.now() + 150;
      while (performance.now() < end);
    });
  });
  const idleAfterClick = tab.evaluate(
    () =>
      new Promise<void>((resolve) => {
        new PerformanceObserver((entries, observer) => {
          if (!entries.getEntries().some((entry) => (entry as PerformanceEventTiming).interactionId)) return;
          observer.disconnect();
          // web-vitals' observer came first, and its idle callback too.
          requestIdleCallback(() => resolve());
        }).observe({ type: 'event', durationThreshold: 40 } as PerformanceObserverInit);
      }),
  );
  await tab.getByRole('heading', { name: 'hello-trace' }).click();
  await idleAfterClick;
}

const value = (span: ReceivedSpan) => Number(span.attributes['browser.web_vital.value']);
const attribution = (span: ReceivedSpan, key: string) => span.attributes[`browser.web_vital.attribution.${key}`];
const startOf = (span: ReceivedSpan) => span.endUnixMs - span.durationMs;

function vital(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === `webVital ${name}`);
  assert.equal(found.length, 1, `one webVital ${name} span, got ${found.length}`);
  return found[0];
}

test(
  "a page load's vitals are spans under its documentLoad: TTFB and FCP at load, LCP at the first input, CLS and INP once the page is hidden",
  { timeout: 120_000 },
  async () => {
    const tab = await browser.newPage();
    await tab.goto(page.ready[1]);
    const traceId = await pageLoadTraceId(tab);
    // TTFB is reported at the load event, before documentLoad starts, and held until it has.
    let spans = await traceFromJaeger(pipeline.jaeger.url, traceId, ['documentLoad', 'webVital TTFB', 'webVital FCP']);

    await shiftThenClick(tab);
    spans = await traceFromJaeger(pipeline.jaeger.url, traceId, ['webVital LCP']);
    assert.deepEqual(
      spans.filter((span) => ['webVital CLS', 'webVital INP'].includes(span.name)),
      [],
      'CLS and INP wait until the page is hidden',
    );

    // After a click, the page load's trace shown again has them beside its waterfall, and says what is to come.
    await tab.getByRole('button', { name: 'Say hello' }).click();
    await tab.getByRole('button', { name: 'Show' }).click();
    await waitForWaterfall(tab, 30_000);
    const shown = tab.getByTestId('web-vital');
    assert.deepEqual(await shown.evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.name)), [
      'LCP',
      'FCP',
      'TTFB',
    ]);
    for (const text of await shown.locator('dd').allTextContents()) {
      assert.match(text, /^\d+(\.\d+)? m?s (good|needs improvement|poor)$/);
    }
    assert.match((await tab.getByTestId('web-vitals').textContent()) ?? '', /INP, CLS: not in the trace yet/);

    // Leaving the page hides it.
    await tab.goto('about:blank');
    spans = await traceFromJaeger(pipeline.jaeger.url, traceId, VITALS);
    await tab.close();

    const load = spans.find((span) => span.name === 'documentLoad')!;
    for (const name of ['TTFB', 'FCP', 'LCP', 'CLS', 'INP']) {
      const span = vital(spans, name);
      assert.equal(span.service, 'hello-web');
      assert.equal(span.scope, 'web-vitals');
      assert.equal(span.parentSpanId, load.spanId, `${name} is a child of documentLoad`);
      assert.equal(span.attributes['session.id'], load.attributes['session.id']);
      assert.equal(span.attributes['browser.web_vital.name'], name.toLowerCase());
      assert.equal(typeof span.attributes['browser.web_vital.value'], 'number');
      // The first report of each: its delta is its value.
      assert.equal(span.attributes['browser.web_vital.delta'], span.attributes['browser.web_vital.value']);
      assert.match(String(span.attributes['browser.web_vital.rating']), /^(good|needs-improvement|poor)$/);
      assert.match(String(span.attributes['browser.web_vital.id']), /^v\d+-\d+-\d+$/);
      assert.equal(span.attributes['browser.web_vital.navigation_type'], 'navigate');
    }

    // TTFB, FCP and LCP run from the navigation's start, INP over the interaction: each lasts its value.
    for (const name of ['TTFB', 'FCP', 'LCP', 'INP']) {
      const span = vital(spans, name);
      assert.ok(
        Math.abs(span.durationMs - value(span)) < 0.01,
        `${name} lasts ${span.durationMs} ms, its value ${value(span)}`,
      );
    }
    const [ttfb, fcp, lcp, cls, inp] = ['TTFB', 'FCP', 'LCP', 'CLS', 'INP'].map((name) => vital(spans, name));
    // Each span's times are anchored to the wall clock when it starts, to within a millisecond.
    for (const span of [ttfb, fcp, cls]) {
      assert.ok(Math.abs(startOf(span) - startOf(lcp)) < 2, `${span.name} starts as LCP does`);
    }
    assert.ok(startOf(lcp) < startOf(load) + 2, 'the navigation starts before documentLoad (at fetchStart)');
    assert.ok(value(ttfb) < value(fcp) && value(fcp) <= value(lcp));

    const phases = ['waiting', 'cache', 'dns', 'connection', 'request'].map((phase) =>
      Number(attribution(ttfb, `${phase}_duration`)),
    );
    assert.ok(Math.abs(phases.reduce((sum, phase) => sum + phase) - value(ttfb)) < 0.01, `TTFB's phases ${phases}`);
    // The page's largest content is text: an element, no resource.
    assert.match(String(attribution(lcp, 'target')), /\w/);
    assert.equal(attribution(lcp, 'url'), undefined);

    assert.ok(value(cls) > 0, 'the shift counts');
    assert.ok(cls.endUnixMs > inp.endUnixMs, 'CLS covers the page until it was hidden');
    assert.match(String(attribution(cls, 'largest_shift_target')), /\w/);

    assert.ok(value(inp) >= 150, `INP ${value(inp)} ms covers the slow handler`);
    assert.match(String(attribution(inp, 'interaction_target')), /h1/);
    assert.match(String(attribution(inp, 'longest_script.invoker')), /click/i);
    assert.ok(Number(attribution(inp, 'longest_script.duration')) >= 150);
  },
);

/** The page built as servePage builds it, but with `new SendWhenTraceEnds(batch)` passing `batch` on as it is. */
async function servePageWithBatchAlone(port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const vite = createRequire(join(repoRoot, 'web/package.json')).resolve('vite');
  const { build } = (await import(pathToFileURL(vite).href)) as {
    build(config: Record<string, unknown>): Promise<unknown>;
  };
  const dir = await mkdtemp(join(tmpdir(), 'hello-trace-batch-alone-'));
  const standIn = join(dir, 'send-when-trace-ends.ts');
  await writeFile(standIn, 'export class SendWhenTraceEnds { constructor(batch) { return batch; } }\n');
  const saved = { ...process.env };
  Object.assign(process.env, pageEnv);
  try {
    await build({
      root: join(repoRoot, 'web'),
      configFile: join(repoRoot, 'web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: join(dir, 'dist'), emptyOutDir: true },
      resolve: { alias: [{ find: /^\.\/send-when-trace-ends\.ts$/, replacement: standIn }] },
    });
  } finally {
    process.env = saved;
  }
  let pageServer: RunningProcess | undefined;
  try {
    pageServer = await startPageServer(join(dir, 'dist'), port, pageServerEnv());
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: pageServer.ready[1],
    async stop() {
      await pageServer.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test(
  "CLS and INP become spans before the batch span processor's own flush on hide sends the page's spans",
  { timeout: 120_000 },
  async (t) => {
    const batchAlone = await servePageWithBatchAlone(await freePort());
    t.after(() => batchAlone.stop());
    const tab = await browser.newPage();
    await tab.goto(batchAlone.url);
    const traceId = await pageLoadTraceId(tab);
    await shiftThenClick(tab);
    // Nothing has left the page yet (its batch delay is 10 s, and no trace's end sends it), and once
    // it is gone only its flush on leaving can have sent its spans.
    await tab.goto('about:blank');
    const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, ['documentLoad', ...VITALS]);
    assert.equal(vital(spans, 'CLS').parentSpanId, spans.find((span) => span.name === 'documentLoad')!.spanId);
    await tab.close();
  },
);
