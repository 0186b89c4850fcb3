// The user's path: headless Chromium clicks "Say hello" on the built page; the page and the real
// server both export to an OTLP receiver on its own origin, which answers CORS like the collector.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

test('the page works under its Content-Security-Policy, which lets it call exactly the server and where its spans go; no page may frame it', async (t) => {
  // Jaeger that has no trace yet, and no UI: the page's questions are answered, and its console stays clean.
  const jaeger = createServer((_request, response) => void response.writeHead(404).end());
  jaeger.listen(0, '127.0.0.1');
  await once(jaeger, 'listening');
  t.after(() => jaeger.close());
  const emptyJaeger = `http://127.0.0.1:${(jaeger.address() as AddressInfo).port}`;
  // Spans straight to a receiver's origin, as this file's page sends them, and to the page's own origin, relayed.
  const pagePort = await freePort();
  const ownReceiver = new OtlpReceiver({ allowedOrigins: [`http://localhost:${pagePort}`] });
  await ownReceiver.start();
  t.after(() => ownReceiver.stop());
  const direct = await startServerAndPage({ pagePort, otlpUrl: ownReceiver.url, jaegerUrl: emptyJaeger });
  t.after(() => direct.stop());
  const relayed = await startServerAndPage({
    pagePort: await freePort(),
    otlpUrl: ownReceiver.url,
    relayTo: ownReceiver.url,
    jaegerUrl: emptyJaeger,
  });
  t.after(() => relayed.stop());
  for (const [mode, served, spansTo] of [
    ['direct', direct, [new URL(ownReceiver.url).origin]],
    ['relayed', relayed, []],
  ] as const) {
    const tab = await browser.newPage();
    const problems: string[] = [];
    tab.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
    tab.on('pageerror', (error) => void problems.push(error.message));
    const headers = (await tab.goto(served.pageUrl))!.headers();
    assert.equal(headers['content-security-policy'], "frame-ancestors 'none'", mode);
    assert.equal(headers['referrer-policy'], 'no-referrer', mode);
    assert.equal(headers['cross-origin-opener-policy'], 'same-origin', mode);
    const connect = ["'self'", new URL(served.serverUrl).origin, ...spansTo].join(' ');
    assert.equal(
      await tab.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content'),
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src ${connect}; base-uri 'none'; form-action 'none'`,
      mode,
    );
    const traceId = await clickSayHello(tab);
    assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame', mode);
    // The page's spans and the server's arrive: every request the page made was allowed.
    const ofTrace = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
    await ownReceiver.waitFor((spans) =>
      HELLO_SPANS.every((name) => ofTrace(spans).some((span) => span.name === name)),
    );
    await tab.getByTestId('trace-status').first().waitFor();
    await tab.close();
    assert.deepEqual(problems, [], `${mode}: the console stays clean`);
  }
  // Another page, here about:blank, that frames the page: the browser refuses to show it.
  const framing = await browser.newPage();
  t.after(() => framing.close());
  const refusals: string[] = [];
  framing.on('console', (message) => void refusals.push(message.text()));
  await framing.setContent(`<iframe src="${direct.pageUrl}"></iframe>`);
  await framing.waitForFunction(() => document.querySelector('iframe') !== null);
  const deadline = Date.now() + 5_000;
  while (!refusals.some((text) => text.includes("frame-ancestors 'none'")) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(
    refusals.some((text) => text.includes("frame-ancestors 'none'")),
    refusals.join('\n'),
  );
  assert.equal(await framing.frames()[1]?.getByRole('button', { name: 'Say hello' }).count(), 0);
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
