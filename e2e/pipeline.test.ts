// The whole mission without Docker: Chromium clicks "Say hello"; the page exports straight to the
// real collector (its CORS exercised for real), the server too; the collector relays to the real
// Jaeger, whose query API must then hold the complete trace.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertHelloTrace, HELLO_SPANS } from './support/hello-trace.ts';
import { toReceivedSpans, type OtlpRequest, type ReceivedSpan } from './support/otlp-receiver.ts';
import { freePort, launchChromium, servePage } from './support/page.ts';
import { startPipeline, type Pipeline } from './support/pipeline.ts';
import { startServer, type RunningProcess } from './support/processes.ts';

let pipeline: Pipeline;
let server: RunningProcess;
let serverUrl: string;
let page: Awaited<ReturnType<typeof servePage>>;
let pageOrigin: string;
let browser: Browser;

// The first run builds the collector and Jaeger from Go modules, which takes minutes.
before(async () => {
  const pagePort = await freePort();
  pageOrigin = `http://localhost:${pagePort}`;
  pipeline = await startPipeline(pageOrigin);
  server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collectorUrl, CORS_ALLOWED_ORIGINS: pageOrigin });
  serverUrl = server.ready[1];
  page = await servePage(pagePort, {
    VITE_SERVER_URL: serverUrl,
    VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${pipeline.collectorUrl}/v1/traces`,
    VITE_JAEGER_UI_URL: pipeline.jaegerUrl,
  });
  browser = await launchChromium();
}, { timeout: 900_000 });

after(async () => {
  await browser?.close();
  await page?.dispose();
  await server?.stop();
  await pipeline?.stop();
});

/** Polls Jaeger's API v3 until the trace holds every span in `names`. */
async function traceFromJaeger(traceId: string, names: string[], timeoutMs = 30_000): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: ReceivedSpan[] = [];
  while (Date.now() < deadline) {
    const response = await fetch(`${pipeline.jaegerUrl}/api/v3/traces/${traceId}`);
    if (response.ok) {
      spans = toReceivedSpans(((await response.json()) as { result: OtlpRequest }).result);
      if (names.every((name) => spans.some((span) => span.name === name))) return spans;
    } else {
      assert.equal(response.status, 404, `Jaeger answered ${response.status}: ${await response.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Jaeger still lacks spans of trace ${traceId} after ${timeoutMs} ms; it has [${spans.map((s) => `${s.service}: ${s.name}`).join(', ')}]`);
}

test('a click ends up as one complete trace in Jaeger', async () => {
  const tab = await browser.newPage();
  await tab.goto(page.ready[1]);
  await tab.getByRole('button', { name: 'Say hello' }).click();
  assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
  const traceId = (await tab.getByTestId('trace-id').textContent()) ?? '';
  assert.equal(
    await tab.getByRole('link', { name: 'Open in Jaeger' }).getAttribute('href'),
    `${pipeline.jaegerUrl}/trace/${traceId}`,
  );

  const spans = await traceFromJaeger(traceId, HELLO_SPANS);
  assert.deepEqual(new Set(spans.map((span) => span.service)), new Set(['hello-web', 'hello-server']));
  assertHelloTrace(spans, { serverUrl, name: 'GoFrame' });
  await tab.close();
});

function preflight(origin: string): Promise<Response> {
  return fetch(`${pipeline.collectorUrl}/v1/traces`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
  });
}

test('the collector grants CORS to the page\'s origin only', async () => {
  assert.equal((await preflight(pageOrigin)).headers.get('access-control-allow-origin'), pageOrigin);
  for (const origin of ['http://evil.example', pageOrigin.replace('localhost', '127.0.0.1'), 'null']) {
    assert.equal((await preflight(origin)).headers.get('access-control-allow-origin'), null, origin);
  }
});
