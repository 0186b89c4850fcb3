// README's first quick start, `docker compose up --build`, on the machine's Docker engine: the
// project's own compose file, Dockerfiles and configs, with local stand-ins for the three base images
// (harness/standins/standin-images.ts, passed by the overlay docker-compose.standins.yml beside it). Chromium
// opens the page on the host as a user would; the test reads the trace from Jaeger's API.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ComposeProject, requireDockerAndCompose, run } from '@hello-trace/harness/standins/compose';
import { assertDownstreamTrace, DOWNSTREAM_CLICK_SPANS } from '@hello-trace/harness/testing/downstream';
import { preflight } from '@hello-trace/harness/testing/cors';
import { assertHelloTrace, HELLO_SPANS, only, PAGE_LOAD_SPANS } from '@hello-trace/harness/testing/hello-trace';
import { newTraceparent } from '@hello-trace/harness/testing/load';
import { clickSayHello, launchChromium, pageLoadTraceId, waitForWaterfall } from '@hello-trace/harness/testing/page';
import { traceFromJaeger } from '@hello-trace/harness/testing/pipeline';
import { freeAddresses, repoRoot } from '@hello-trace/harness/testing/processes';
import { ensureStandinImages } from '@hello-trace/harness/standins/standin-images';

// Every port of .env moved to a free one, as a user would override it: compose publishes these.
const ports = await freeAddresses();
const PAGE = `http://localhost:${ports.PAGE_PORT}`;
const SERVER = `http://localhost:${ports.SERVER_PORT}`;
const COLLECTOR = `http://localhost:${ports.COLLECTOR_BROWSER_PORT}`;
const JAEGER = `http://localhost:${ports.JAEGER_UI_PORT}`;

let project: ComposeProject | undefined;
let browser: Browser | undefined;
let tab: Page;
let hello: Promise<string> | undefined;

/** Opens the page and clicks "Say hello" on the first call; every call returns that click's trace id. */
function sayHelloOnce(): Promise<string> {
  hello ??= tab.goto(PAGE).then(() => clickSayHello(tab));
  return hello;
}

const log = (line: string) => console.log(`# ${line}`);
const since = (start: number) => `${((Date.now() - start) / 1000).toFixed(1)} s`;

// The first run builds the stand-ins and the images (minutes); later runs reuse them (seconds).
before(
  async () => {
    await requireDockerAndCompose();
    let start = Date.now();
    const images = await ensureStandinImages(log);
    log(`stand-in images ready in ${since(start)}: ${Object.values(images).join(', ')}`);
    project = new ComposeProject(`hello-trace-e2e-${process.pid}`, { ...images, ...ports });
    await project.requireFreeHostPorts();
    start = Date.now();
    await project.compose('up', '--build', '--detach').catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await project!.logs()}`);
    });
    log(`docker compose up --build --detach took ${since(start)}`);
    await project.waitUntilHealthy(150_000);
    browser = await launchChromium();
    tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  },
  { timeout: 30 * 60_000 },
);

after(
  async () => {
    await browser?.close();
    await project?.remove();
  },
  { timeout: 120_000 },
);

test('every service with a healthcheck becomes healthy', { timeout: 180_000 }, async () => {
  const containers = await project!.waitUntilHealthy(60_000);
  const healthChecked = containers.filter((c) => c.Health !== '').map((c) => c.Service);
  // Jaeger's and the greeter's checks are in the compose file, the server's and the page's in their Dockerfiles; the
  // collector's image is distroless, with no program to run a check. queue-volume has run and exited.
  assert.deepEqual(healthChecked.toSorted(), ['greeter', 'jaeger', 'page-server', 'server']);
  assert.deepEqual(containers.map((c) => c.Service).toSorted(), [
    'greeter',
    'jaeger',
    'otel-collector',
    'page-server',
    'queue-volume',
    'server',
  ]);
});

test(
  'the page says hello:GoFrame; Jaeger holds its whole trace, and the page draws it',
  { timeout: 90_000 },
  async () => {
    const traceId = await sayHelloOnce();
    assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
    assert.match(traceId, /^[0-9a-f]{32}$/);
    // The stand-in Jaeger is built from Go modules, which carry no UI, so the page links to the trace
    // as JSON instead; the real jaegertracing/jaeger image has the UI, and the page would show "Open in Jaeger".
    assert.equal(
      await tab.getByRole('link', { name: 'Trace as JSON' }).getAttribute('href'),
      `${JAEGER}/api/v3/traces/${traceId}`,
    );
    assert.equal(await tab.getByRole('link', { name: 'Open in Jaeger' }).count(), 0);

    const spans = await project!.withLogs(() => traceFromJaeger(JAEGER, traceId, HELLO_SPANS));
    assert.deepEqual(new Set(spans.map((span) => span.service)), new Set(['hello-web', 'hello-server']));
    assertHelloTrace(spans, { url: `${SERVER}/hello`, name: 'GoFrame' });

    await project!.withLogs(() => waitForWaterfall(tab, 30_000));
    const rows = await tab.getByTestId('span-row').locator('.span-name').allTextContents();
    assert.equal(rows.length, spans.length, 'one bar per span');
    assert.deepEqual(
      rows.filter((name) => HELLO_SPANS.includes(name)),
      HELLO_SPANS,
      'parents above their children',
    );
    await mkdir(join(repoRoot, 'test-results'), { recursive: true });
    await tab.screenshot({ path: join(repoRoot, 'test-results/compose-waterfall.png'), fullPage: true });
  },
);

test("the page's spans go through the page server: the collector publishes no port on the host", async () => {
  await assert.rejects(preflight(COLLECTOR, PAGE), 'nothing answers on the host at COLLECTOR_BROWSER_PORT');
  // An empty export, relayed to the collector's browser receiver over the compose network.
  const answer = await fetch(`${PAGE}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(answer.status, 200, await answer.text());
});

test("a page load: Jaeger holds the page server's document span, with documentLoad and its fetches under it", async () => {
  const own = await browser!.newPage();
  try {
    await own.goto(PAGE);
    const traceId = await pageLoadTraceId(own);
    const spans = await project!.withLogs(() => traceFromJaeger(JAEGER, traceId, PAGE_LOAD_SPANS));
    const document = only(spans, 'hello-page', 'GET /');
    assert.equal(document.parentSpanId, '', 'the page server starts the trace');
    const load = only(spans, 'hello-web', 'documentLoad');
    assert.equal(load.parentSpanId, document.spanId);
    for (const fetched of spans.filter((span) => ['documentFetch', 'resourceFetch'].includes(span.name))) {
      assert.equal(fetched.parentSpanId, load.spanId, `${fetched.name} is not under documentLoad`);
    }
  } finally {
    await own.close();
  }
});

test('Jaeger keeps its traces across a restart, in the jaeger-data volume', { timeout: 120_000 }, async () => {
  const helloTraceId = await sayHelloOnce();
  await project!.withLogs(() => traceFromJaeger(JAEGER, helloTraceId, HELLO_SPANS));
  await project!.compose('restart', 'jaeger');
  await project!.waitUntilHealthy(60_000);
  const spans = await project!.withLogs(() =>
    traceFromJaeger(JAEGER, helloTraceId, HELLO_SPANS, { timeoutMs: 10_000 }),
  );
  assertHelloTrace(spans, { url: `${SERVER}/hello`, name: 'GoFrame' });
});

test(
  'docker compose stop server flushes the spans of the last requests it answered',
  { timeout: 120_000 },
  async () => {
    // Requests go on until the server stops answering, so the last ones end after its last scheduled
    // export (every 500 ms): their spans reach Jaeger only if stopping flushes them.
    const stopping = project!.compose('stop', 'server');
    const answered: string[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const { traceId, traceparent } = newTraceparent();
      const response = await fetch(`${SERVER}/hello`, {
        headers: { traceparent },
        signal: AbortSignal.timeout(5000),
      }).catch(() => undefined);
      if (!response) break;
      if ((await response.text()) === 'hello:') answered.push(traceId);
    }
    await stopping;
    const server = (await project!.containers()).find((c) => c.Service === 'server');
    assert.deepEqual(
      [server?.State, server?.ExitCode],
      ['exited', 0],
      'the server ends by itself on SIGTERM, not killed',
    );
    assert.ok(answered.length > 0, 'the server answered requests while it was being stopped');
    log(`${answered.length} requests answered while docker compose stop ran`);
    for (const traceId of answered)
      await project!.withLogs(() =>
        traceFromJaeger(JAEGER, traceId, ['GET /hello', 'HelloHandler'], { timeoutMs: 10_000 }),
      );
  },
);

test('docker compose down ends everything within 15 s and leaves no volume behind', { timeout: 60_000 }, async () => {
  const mounted = await project!.mountedVolumes();
  const declared = await project!.declaredVolumes();
  const start = Date.now();
  await project!.compose('down');
  const tookMs = Date.now() - start;
  log(`docker compose down took ${since(start)}`);
  assert.ok(tookMs < 15_000, `docker compose down took ${tookMs} ms`);
  assert.deepEqual(await project!.containers(), [], 'no container is left');

  const left: string[] = [];
  for (const [volume, where] of mounted) {
    const exists = await run('docker', ['volume', 'inspect', volume]).then(
      () => true,
      () => false,
    );
    if (exists && !declared.includes(volume)) left.push(`${volume} (was ${where})`);
  }
  assert.deepEqual(
    left,
    [],
    "docker compose down leaves volumes behind that docker-compose.yml does not declare (an image's VOLUME?)",
  );
});

test(
  'downstream: Jaeger holds the trace from the click through the server to the greeter, with the name there',
  { timeout: 300_000 },
  async () => {
    // The stack as the test before left it, or again (the images are built) when it is down.
    await project!.compose('up', '--detach', '--wait');
    await tab.goto(PAGE);
    await tab.getByLabel('Scenario').selectOption('downstream');
    const traceId = await clickSayHello(tab);
    assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
    const spans = await project!.withLogs(() => traceFromJaeger(JAEGER, traceId, DOWNSTREAM_CLICK_SPANS));
    assert.deepEqual(
      new Set(spans.map((span) => span.service)),
      new Set(['hello-web', 'hello-server', 'hello-greeter']),
    );
    assertHelloTrace(spans, { url: `${SERVER}/hello?scenario=downstream`, name: 'GoFrame' });
    // The server reaches the greeter by its compose service name, on GREETER_PORT inside the network;
    // the greeter publishes no host port.
    assertDownstreamTrace(spans, { greeterUrl: `http://greeter:${ports.GREETER_PORT}`, name: 'GoFrame' });
  },
);
