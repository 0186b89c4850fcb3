// The user's path: headless Chromium clicks "Say hello" on the built page; the page and the real
// server both export to an OTLP receiver on its own origin, which answers CORS like the collector.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertHelloTrace, HELLO_SPANS, only } from '@hello-trace/harness/testing/hello-trace';
import { OtlpReceiver, StatusCode, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import {
  clickSayHello,
  launchChromium,
  startServerAndPage,
  type ServerAndPage,
} from '@hello-trace/harness/testing/page';
import { freePort } from '@hello-trace/harness/testing/processes';

let receiver: OtlpReceiver;
let stack: ServerAndPage;
/** No Jaeger listens here: the page's waterfall says so (pipeline.test.ts has the real one). */
let jaegerUrl: string;
let browser: Browser;

before(async () => {
  const pagePort = await freePort();
  receiver = new OtlpReceiver({ allowedOrigins: [`http://localhost:${pagePort}`] });
  await receiver.start();
  jaegerUrl = `http://127.0.0.1:${await freePort()}`;
  stack = await startServerAndPage({
    pagePort,
    otlpUrl: receiver.url,
    jaegerUrl,
    // Far longer than any test here, so that only a flush can send the page's spans early.
    pageEnv: { VITE_OTEL_BSP_SCHEDULE_DELAY: '10000' },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await receiver?.stop();
});

/** Opens the page, says hello as `name`, and returns the trace id the page shows. */
async function sayHello(name?: string): Promise<{ tab: Page; traceId: string }> {
  const tab = await browser.newPage();
  await tab.goto(stack.pageUrl);
  if (name !== undefined) await tab.getByLabel('Name').fill(name);
  const traceId = await clickSayHello(tab);
  assert.match(traceId, /^[0-9a-f]{32}$/);
  return { tab, traceId };
}

/** Waits for the spans of one trace until `names` are all there; the page batches for up to 10 s. */
function traceSpans(traceId: string, names: string[], timeoutMs?: number): Promise<ReceivedSpan[]> {
  const ofTrace = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
  return receiver
    .waitFor((spans) => names.every((name) => ofTrace(spans).some((span) => span.name === name)), timeoutMs)
    .then(ofTrace);
}

test('one trace runs from the click through the fetch to HelloHandler', async () => {
  const { tab, traceId } = await sayHello();
  assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
  // No Jaeger answers here, so the page cannot tell whether it serves its UI, and keeps the link.
  assert.equal(
    await tab.getByRole('link', { name: 'Open in Jaeger' }).getAttribute('href'),
    `${jaegerUrl}/trace/${traceId}`,
  );

  assertHelloTrace(await traceSpans(traceId, HELLO_SPANS), { url: `${stack.serverUrl}/hello`, name: 'GoFrame' });

  // The exporter's own requests to the collector are never traced.
  assert.ok(receiver.spans.every((span) => !String(span.attributes['url.full'] ?? '').includes('/v1/traces')));
  await tab.close();
});

test('a typed name crosses as baggage and comes back', async () => {
  const { tab, traceId } = await sayHello('Ada Lovelace, 1815');
  assert.equal(await tab.getByTestId('answer').textContent(), 'hello:Ada Lovelace, 1815');
  const spans = await traceSpans(traceId, ['StartRequests', 'HelloHandler']);
  assert.equal(only(spans, 'hello-server', 'HelloHandler').attributes['app.baggage.name'], 'Ada Lovelace, 1815');
  await tab.close();
});

test('leaving the page sends its ended spans at once, well before the batch delay', async () => {
  const { tab, traceId } = await sayHello();
  await tab.getByTestId('answer').waitFor();
  // At once, while the fetch span is still open (it ends about 300 ms after its response), so that the
  // trace has not ended and the page has not sent the click span yet.
  await tab.goto('about:blank');
  // The page's batch delay is 10 s here; the page is gone, so only the flush on leaving can send it.
  const spans = await traceSpans(traceId, ['StartRequests'], 2_000);
  assert.equal(spans.filter((span) => span.service === 'hello-web').length, 1);
  await tab.close();
});

test("a click's trace leaves the page as soon as its last span ends, well before the batch delay", async () => {
  const { tab, traceId } = await sayHello();
  await tab.getByTestId('answer').waitFor();
  // The page stays open; its batch delay is 10 s here.
  const spans = await traceSpans(traceId, ['StartRequests', 'GET'], 2_000);
  assert.equal(spans.filter((span) => span.service === 'hello-web').length, 2);
  await tab.close();
});

test('with the server down the page says so and the click span records the error', async () => {
  await stack.server.stop();
  const { tab, traceId } = await sayHello();
  const error = (await tab.getByTestId('error').textContent()) ?? '';
  assert.match(error, /Could not reach the server at http:\/\/127\.0\.0\.1:\d+\/hello/);
  assert.equal(await tab.getByTestId('answer').count(), 0);

  const spans = await traceSpans(traceId, ['StartRequests', 'GET']);
  const click = only(spans, 'hello-web', 'StartRequests');
  assert.equal(click.status.code, StatusCode.ERROR);
  assert.match(click.status.message, /Could not reach the server/);
  assert.ok(click.events.some((event) => event.name === 'exception'));
  const fetchSpan = only(spans, 'hello-web', 'GET');
  assert.equal(fetchSpan.parentSpanId, click.spanId);
  assert.equal(fetchSpan.status.code, StatusCode.ERROR);
  assert.equal(fetchSpan.attributes['error.type'], 'TypeError');
  assert.ok(spans.every((span) => span.service === 'hello-web'));
  await tab.close();
});
