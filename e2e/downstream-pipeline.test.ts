// The downstream scenario through the whole pipeline without Docker: Chromium clicks "Say hello"
// with the scenario `downstream`; the page, the server and the greeter export to the real collector,
// which relays to the real Jaeger. The test checks the trace in Jaeger's API and on the page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertDownstreamTrace, DOWNSTREAM_CLICK_SPANS, startGreeter } from '@hello-trace/harness/testing/downstream';
import { assertHelloTrace, only } from '@hello-trace/harness/testing/hello-trace';
import { clickSayHello, launchChromium, servePage, waitForWaterfall } from '@hello-trace/harness/testing/page';
import { startPipeline, traceFromJaeger, type Pipeline } from '@hello-trace/harness/testing/pipeline';
import { freePort, startServer, type RunningProcess } from '@hello-trace/harness/testing/processes';

const SERVICES = ['hello-web', 'hello-server', 'hello-greeter'];

let pipeline: Pipeline;
let greeter: RunningProcess;
let greeterUrl: string;
let server: RunningProcess;
let serverUrl: string;
let page: Awaited<ReturnType<typeof servePage>>;
let browser: Browser;
let tab: Page;

// The first run builds the collector and Jaeger from Go modules, which takes minutes.
before(
  async () => {
    const pagePort = await freePort();
    pipeline = await startPipeline(pagePort);
    greeter = await startGreeter({ OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url });
    greeterUrl = greeter.ready[1];
    server = await startServer({
      OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url,
      PAGE_PORT: String(pagePort),
      GREETER_URL: greeterUrl,
    });
    serverUrl = server.ready[1];
    page = await servePage(
      pagePort,
      {
        VITE_SERVER_URL: serverUrl,
        VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${pipeline.collector.browserUrl}/v1/traces`,
        VITE_JAEGER_UI_URL: pipeline.jaeger.url,
      },
      { JAEGER_QUERY_URL: pipeline.jaeger.url },
    );
    browser = await launchChromium();
    tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await tab.goto(page.ready[1]);
  },
  { timeout: 900_000 },
);

after(async () => {
  await browser?.close();
  await page?.dispose();
  await server?.stop();
  await greeter?.stop();
  await pipeline?.stop();
});

test('downstream: one trace from the click through the server to the greeter, in Jaeger and on the page', async () => {
  await tab.getByLabel('Scenario').selectOption('downstream');
  const traceId = await clickSayHello(tab);
  assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');

  const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, DOWNSTREAM_CLICK_SPANS);
  assert.deepEqual(new Set(spans.map((span) => span.service)), new Set(SERVICES));
  assertHelloTrace(spans, { url: `${serverUrl}/hello?scenario=downstream`, name: 'GoFrame' });
  assertDownstreamTrace(spans, { greeterUrl, name: 'GoFrame' });
  assert.equal(spans.length, 7, spans.map((span) => `${span.service}: ${span.name}`).join(', '));

  // The waterfall draws the greeter's spans too, below the server's call to it.
  await waitForWaterfall(tab, 30_000);
  await tab.waitForFunction(
    (count) => document.querySelectorAll('[data-testid="span-row"]').length === count,
    spans.length,
    { timeout: 30_000 },
  );
  const rows = await tab
    .getByTestId('span-row')
    .evaluateAll((elements) =>
      elements.map((row) => `${row.getAttribute('data-service')}: ${row.querySelector('.span-name')?.textContent}`),
    );
  assert.deepEqual(rows, [
    'hello-web: StartRequests',
    'hello-web: GET',
    'hello-server: GET /hello',
    'hello-server: HelloHandler',
    'hello-server: GET',
    'hello-greeter: GET /greeting',
    'hello-greeter: GreetHandler',
  ]);
  assert.equal(only(spans, 'hello-greeter', 'GreetHandler').attributes['app.baggage.name'], 'GoFrame');
});
