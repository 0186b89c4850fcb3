// The whole stack without Docker: Chromium clicks "Say hello"; the page exports straight to the
// real collector (its CORS exercised for real), the server too; the collector relays to the real
// Jaeger. The test checks the trace in Jaeger's API and the waterfall the page draws from it.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { preflight } from '@hello-trace/harness/testing/cors';
import { assertHelloTrace, HELLO_SPANS, only } from '@hello-trace/harness/testing/hello-trace';
import { StatusCode, toReceivedSpans, type OtlpRequest } from '@hello-trace/harness/testing/otlp-receiver';
import {
  clickSayHello,
  launchChromium,
  startPageServer,
  startServerAndPage,
  waitForWaterfall,
  type ServerAndPage,
} from '@hello-trace/harness/testing/page';
import {
  startCollector,
  startJaeger,
  startPipeline,
  traceFromJaeger,
  type Pipeline,
} from '@hello-trace/harness/testing/pipeline';
import { freePort, repoRoot } from '@hello-trace/harness/testing/processes';

const SCREENSHOTS = join(repoRoot, 'test-results');

let pipeline: Pipeline;
let stack: ServerAndPage;
let pagePort: number;
let browser: Browser;
/** The page, open in one tab that the tests click in turn. */
let tab: Page;

// The first run builds the collector and Jaeger from Go modules, which takes minutes.
before(
  async () => {
    pagePort = await freePort();
    pipeline = await startPipeline(pagePort);
    stack = await startServerAndPage({
      pagePort,
      otlpUrl: pipeline.collector.url,
      pageOtlpUrl: pipeline.collector.browserUrl,
      jaegerUrl: pipeline.jaeger.url,
    });
    browser = await launchChromium();
    tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await tab.goto(stack.pageUrl);
    await mkdir(SCREENSHOTS, { recursive: true });
  },
  { timeout: 900_000 },
);

after(async () => {
  await browser?.close();
  await stack?.stop();
  await pipeline?.stop();
});

/** Chooses the scenario, clicks, and waits for the page's waterfall; returns the trace id. */
async function clickAndWaitForWaterfall(scenario: string): Promise<string> {
  await tab.getByLabel('Scenario').selectOption(scenario);
  const traceId = await clickSayHello(tab);
  await waitForWaterfall(tab, 30_000);
  return traceId;
}

/** The rows the page drew: name, service, kind and status of each bar. */
async function waterfallRows() {
  return tab.getByTestId('span-row').evaluateAll((rows) =>
    rows.map((row) => ({
      name: row.querySelector('.span-name')?.textContent ?? '',
      text: row.textContent ?? '',
      service: row.getAttribute('data-service'),
      kind: row.getAttribute('data-kind'),
      status: row.getAttribute('data-status'),
    })),
  );
}

async function openDetails(spanName: string): Promise<string> {
  await tab.getByTestId('span-row').filter({ hasText: spanName }).getByRole('button').click();
  return (await tab.getByTestId('span-details').textContent()) ?? '';
}

test('normal: one complete trace in Jaeger, drawn as a waterfall on the page', async () => {
  const consoleErrors: string[] = [];
  tab.on('console', (message) => void (message.type() === 'error' && consoleErrors.push(message.text())));
  const traceId = await clickAndWaitForWaterfall('normal');
  // Waiting for Jaeger to have the trace is not an error, and nothing else failed either.
  assert.deepEqual(consoleErrors, []);
  assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
  // Jaeger built from Go modules has no UI, only a placeholder page: so no "Open in Jaeger", but the
  // trace as JSON from Jaeger's API, and why.
  const jsonUrl = await tab.getByRole('link', { name: 'Trace as JSON' }).getAttribute('href');
  assert.equal(jsonUrl, `${pipeline.jaeger.url}/api/v3/traces/${traceId}`);
  assert.match(
    (await tab.getByTestId('no-jaeger-ui').textContent()) ?? '',
    /^No Jaeger UI to open it in\. This Jaeger was built without its UI, as a build from Go modules is/,
  );
  assert.equal(await tab.getByRole('link', { name: 'Open in Jaeger' }).count(), 0);

  const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, HELLO_SPANS);
  const json = await fetch(jsonUrl!);
  assert.equal(json.status, 200);
  assert.equal(
    toReceivedSpans(((await json.json()) as { result: OtlpRequest }).result).length,
    spans.length,
    'the JSON link holds the trace',
  );
  assert.deepEqual(new Set(spans.map((span) => span.service)), new Set(['hello-web', 'hello-server']));
  assertHelloTrace(spans, { url: `${stack.serverUrl}/hello`, name: 'GoFrame' });

  // The page names the SERVER span that answered, from the traceresponse header.
  assert.equal(await tab.getByTestId('server-span-id').textContent(), only(spans, 'hello-server', 'GET /hello').spanId);
  assert.match((await tab.getByTestId('server-time').textContent()) ?? '', /^\d+(\.\d)? ms$/);

  const rows = await waterfallRows();
  assert.equal(rows.length, spans.length, 'one bar per span');
  assert.deepEqual(new Set(rows.map((row) => row.service)), new Set(['hello-web', 'hello-server']));
  assert.equal(rows[0].name, 'StartRequests', 'the click is the first bar');
  assert.deepEqual(
    rows.map((row) => row.name).filter((name) => HELLO_SPANS.includes(name)),
    HELLO_SPANS,
    'parents above their children',
  );
  const serverRow = rows.find((row) => row.name === 'GET /hello');
  assert.deepEqual([serverRow?.service, serverRow?.kind, serverRow?.status], ['hello-server', 'server', 'unset']);
  const details = await openDetails('HelloHandler');
  assert.match(details, /app\.baggage\.nameGoFrame/);

  // A ruler in round milliseconds from the trace's start stands over the bars.
  const ticks = await tab.getByTestId('ruler').locator('.tick').allTextContents();
  assert.equal(ticks[0], '0 ms');
  assert.ok(ticks.length >= 3, `ticks: ${ticks}`);
  for (const tick of ticks) assert.match(tick, /^(\d+(\.\d+)? ms|\d+(\.\d+)? s)$/);
  await tab.screenshot({ path: join(SCREENSHOTS, 'waterfall-normal.png'), fullPage: true });
});

test('slow: the server waits about 300 ms in a child span of HelloHandler', async () => {
  const traceId = await clickAndWaitForWaterfall('slow');
  const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, [...HELLO_SPANS, 'SlowWork']);
  const slowWork = only(spans, 'hello-server', 'SlowWork');
  assert.equal(slowWork.parentSpanId, only(spans, 'hello-server', 'HelloHandler').spanId);
  assert.ok(slowWork.durationMs >= 290 && slowWork.durationMs < 1000, `SlowWork took ${slowWork.durationMs} ms`);
  assertHelloTrace(spans, { url: `${stack.serverUrl}/hello?scenario=slow`, name: 'GoFrame' });

  const rows = await waterfallRows();
  assert.equal(rows.length, spans.length);
  assert.match(rows.find((row) => row.name === 'SlowWork')?.text ?? '', /^SlowWork 3\d\d ms · internal$/);
  await tab.screenshot({ path: join(SCREENSHOTS, 'waterfall-slow.png'), fullPage: true });
});

test('failing: a 500, recorded as errors from HelloHandler up to the click', async () => {
  const traceId = await clickAndWaitForWaterfall('failing');
  assert.match(
    (await tab.getByTestId('error').textContent()) ?? '',
    /answered 500 Internal Server Error: error: simulated failure/,
  );

  const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, HELLO_SPANS);
  const handler = only(spans, 'hello-server', 'HelloHandler');
  assert.equal(handler.status.code, StatusCode.ERROR);
  assert.ok(handler.events.some((event) => event.name === 'exception'));
  assert.equal(only(spans, 'hello-server', 'GET /hello').status.code, StatusCode.ERROR);
  const fetchSpan = only(spans, 'hello-web', 'GET');
  assert.equal(fetchSpan.status.code, StatusCode.ERROR);
  assert.equal(fetchSpan.attributes['http.response.status_code'], 500);
  const click = only(spans, 'hello-web', 'StartRequests');
  assert.equal(click.status.code, StatusCode.ERROR);
  assert.ok(click.events.some((event) => event.name === 'exception'));

  const rows = await waterfallRows();
  assert.equal(rows.length, spans.length);
  const failed = rows.filter((row) => row.status === 'error').map((row) => row.name);
  assert.deepEqual(new Set(failed), new Set(['StartRequests', 'GET', 'GET /hello', 'HelloHandler']));
  assert.match(await openDetails('HelloHandler'), /exception.*simulated failure \(scenario=failing\)/s);
  await tab.screenshot({ path: join(SCREENSHOTS, 'waterfall-failing.png'), fullPage: true });

  // In a narrower window (labels beside the bars) and on a phone's (labels above them), every label
  // is there in full, names, durations, kinds and statuses, and nothing runs out of the waterfall.
  try {
    for (const width of [700, 400]) {
      await tab.setViewportSize({ width, height: 900 });
      await tab.screenshot({ path: join(SCREENSHOTS, `waterfall-${width}px.png`), fullPage: true });
      const cut = await tab
        .locator('.span-label')
        .evaluateAll((labels) =>
          labels.filter((label) => label.scrollWidth > label.clientWidth).map((label) => label.textContent),
        );
      assert.deepEqual(cut, [], `labels cut short at ${width} px`);
      const [scrollWidth, clientWidth] = await tab
        .getByTestId('waterfall')
        .evaluate((waterfall) => [waterfall.scrollWidth, waterfall.clientWidth]);
      assert.ok(
        scrollWidth <= clientWidth,
        `at ${width} px, the waterfall is ${scrollWidth} px wide in ${clientWidth} px`,
      );
    }
  } finally {
    await tab.setViewportSize({ width: 1100, height: 900 });
  }
});

test('the history lists the last requests with answers, durations and trace links', async () => {
  // A page of its own, so that the history holds its page load and just these three clicks.
  const own = await browser.newPage();
  try {
    await own.goto(stack.pageUrl);
    for (const scenario of ['normal', 'slow', 'failing']) {
      await own.getByLabel('Scenario').selectOption(scenario);
      await clickSayHello(own);
    }
    const entries = await own.getByTestId('history').getByRole('listitem').allTextContents();
    assert.equal(entries.length, 4);
    assert.match(entries[0], /^This page load: continues the page server's trace.* trace [0-9a-f]{8}… Show$/);
    assert.match(entries[1], /^failing: The server at .* answered 500.* in \d/);
    assert.match(entries[2], /^slow: hello:GoFrame in \d{3} ms trace [0-9a-f]{8}…$/);
    assert.match(entries[3], /^normal: hello:GoFrame in \d+ ms trace [0-9a-f]{8}…$/);
    // This Jaeger has no UI: each trace link is the trace as JSON.
    const links = await own
      .getByTestId('history')
      .getByRole('link')
      .evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
    assert.equal(links.length, 4);
    for (const link of links)
      assert.match(link ?? '', new RegExp(`^${pipeline.jaeger.url}/api/v3/traces/[0-9a-f]{32}$`));
  } finally {
    await own.close();
  }
});

test("the waterfall's polls of the page server, and its questions about Jaeger's UI and the wait, make no traces of their own", async () => {
  const start = Date.now();
  // The waterfall polls the page server until Jaeger has the trace; then the page's spans of this
  // click are in Jaeger, and any span of those polls would have followed within an export or two.
  const traceId = await clickAndWaitForWaterfall('normal');
  await traceFromJaeger(pipeline.jaeger.url, traceId, HELLO_SPANS);
  await sleep(3_000);
  const query = new URLSearchParams({
    'query.service_name': 'hello-web',
    'query.start_time_min': new Date(start - 60_000).toISOString(),
    'query.start_time_max': new Date(Date.now() + 60_000).toISOString(),
    'query.num_traces': '100',
  });
  const response = await fetch(`${pipeline.jaeger.url}/api/v3/traces?${query}`);
  assert.equal(response.status, 200);
  const spans = toReceivedSpans(((await response.json()) as { result: OtlpRequest }).result);
  assert.ok(
    spans.some((span) => span.traceId === traceId),
    `the query finds the click's own trace among ${spans.length} page spans`,
  );
  // A resourceFetch under documentLoad records a request that the page load saw, in the load's trace.
  const urls = spans
    .filter((span) => span.name !== 'resourceFetch')
    .map((span) => String(span.attributes['url.full'] ?? ''));
  assert.deepEqual(
    urls.filter((url) => url.includes('/api/')),
    [],
  );
});

test('with Jaeger unreachable the page says so and how to fix it', async () => {
  const port = await freePort();
  const deadJaeger = `http://127.0.0.1:${await freePort()}`;
  const blind = await startPageServer(stack.page.pageDir, port, { JAEGER_QUERY_URL: deadJaeger });
  try {
    const other = await browser.newPage();
    await other.goto(blind.ready[1]);
    // The page reads every answer, the page server's 502s too: no request is left open.
    await other.waitForLoadState('networkidle', { timeout: 10_000 });
    // The page load's trace view says so first; the click's view then takes its place.
    await other.getByTestId('trace-status').filter({ hasText: 'not reachable' }).waitFor();
    await other.getByRole('button', { name: 'Say hello' }).click();
    await other.getByRole('heading', { name: 'Trace of this page load' }).waitFor({ state: 'detached' });
    const status = other.getByTestId('trace-status').filter({ hasText: 'not reachable' });
    await status.waitFor();
    const said = (await status.textContent()) ?? '';
    assert.match(said, /Jaeger is not reachable \(ECONNREFUSED\)\. Start the whole stack with "npm start"/);
    // The page names no internal address; the page server's log does.
    assert.doesNotMatch(said, new RegExp(deadJaeger));
    // Jaeger down is a failure that the trace view reports, not a Jaeger without a UI: the link stays.
    assert.equal(await other.getByRole('link', { name: 'Open in Jaeger' }).count(), 1);
    assert.equal(await other.getByTestId('no-jaeger-ui').count(), 0);
    await other.close();
  } finally {
    await blind.stop();
  }
});

test("the collector grants CORS to the page's origin, with either spelling of loopback, and no other", async () => {
  for (const origin of [`http://localhost:${pagePort}`, `http://127.0.0.1:${pagePort}`]) {
    assert.equal(await preflight(pipeline.collector.browserUrl, origin), origin);
  }
  for (const origin of ['http://evil.example', `http://localhost:${pagePort + 1}`, 'null']) {
    assert.equal(await preflight(pipeline.collector.browserUrl, origin), null, origin);
  }
});

test(
  'a click while the collector restarts: its trace is complete once the collector is back',
  { timeout: 90_000 },
  async () => {
    const { ports } = pipeline.collector;
    assert.equal(await pipeline.collector.stop(), 0);
    await tab.getByLabel('Scenario').selectOption('normal');
    const traceId = await clickSayHello(tab);
    assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
    await sleep(10_000);
    pipeline.collector = await startCollector({ pagePort, jaegerOtlpPort: pipeline.jaeger.ports.otlp, ports });
    // The page and the server kept the spans they could not send, and send them now.
    const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, HELLO_SPANS, { timeoutMs: 30_000 });
    assertHelloTrace(spans, { url: `${stack.serverUrl}/hello`, name: 'GoFrame' });
    await waitForWaterfall(tab, 30_000);
  },
);

// Last in this file: Jaeger comes back with empty storage.
test(
  'a click while Jaeger is down: the page says so, asks again, and draws the waterfall once Jaeger is back',
  { timeout: 90_000 },
  async () => {
    const { ports } = pipeline.jaeger;
    assert.equal(await pipeline.jaeger.stop(), 0);
    await tab.getByLabel('Scenario').selectOption('normal');
    await clickSayHello(tab);
    const status = tab.getByTestId('trace-status').filter({ hasText: 'not reachable' });
    await status.waitFor({ timeout: 10_000 });
    assert.match((await status.textContent()) ?? '', /The page asks again until it has waited 30 s\.$/);
    pipeline.jaeger = await startJaeger({ ports });
    await waitForWaterfall(tab, 30_000);
  },
);
