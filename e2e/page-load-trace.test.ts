// A page load in Chromium through the real collector to the real Jaeger: its trace starts at the
// page server's SERVER span, the one the document names in `<meta name="traceparent">`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { SpanKind } from '@hello-trace/harness/testing/otlp-receiver';
import { launchChromium, servePage } from '@hello-trace/harness/testing/page';
import { startCollector, startPipeline, traceFromJaeger, type Pipeline } from '@hello-trace/harness/testing/pipeline';
import { freePort } from '@hello-trace/harness/testing/processes';

let pipeline: Pipeline;
let pagePort: number;
let page: Awaited<ReturnType<typeof servePage>>;
let browser: Browser;

// The first run builds the collector and Jaeger from Go modules, which takes minutes.
before(
  async () => {
    pagePort = await freePort();
    pipeline = await startPipeline(pagePort);
    page = await servePage(
      pagePort,
      {
        VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${pipeline.collector.browserUrl}/v1/traces`,
        VITE_JAEGER_UI_URL: pipeline.jaeger.url,
      },
      { JAEGER_QUERY_URL: pipeline.jaeger.url, OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url },
    );
    browser = await launchChromium();
  },
  { timeout: 900_000 },
);

after(async () => {
  await browser?.close();
  await page?.dispose();
  await pipeline?.stop();
});

test("a page load's trace in Jaeger starts at the page server's SERVER span that the document names", async () => {
  const tab = await browser.newPage();
  try {
    const response = await tab.goto(page.ready[1]);
    const traceparent = (await tab.locator('meta[name="traceparent"]').getAttribute('content')) ?? '';
    const [, traceId, spanId, flags] = traceparent.match(/^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/) ?? [];
    assert.ok(traceId, `the document names no span: "${traceparent}"`);
    assert.equal(flags, '01');
    assert.equal(await response?.headerValue('server-timing'), `traceparent;desc="${traceparent}"`);
    // What the browser sees of it, as the page's own scripts could read it.
    const timing = await tab.evaluate(() =>
      (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).serverTiming.map(
        (entry) => `${entry.name}=${entry.description}`,
      ),
    );
    assert.deepEqual(timing, [`traceparent=${traceparent}`]);

    const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, ['GET /']);
    const roots = spans.filter((span) => span.parentSpanId === '');
    assert.equal(roots.length, 1, `roots: ${roots.map((span) => `${span.service}: ${span.name}`).join(', ')}`);
    const [root] = roots;
    assert.equal(root.spanId, spanId);
    assert.equal(root.service, 'hello-page');
    assert.equal(root.kind, SpanKind.SERVER);
    assert.equal(root.attributes['http.route'], '/');
    assert.equal(root.attributes['http.response.status_code'], 200);
    assert.match(String(root.attributes['user_agent.original']), /Chrome/);

    // A reload is a trace of its own: the document is never cached.
    await tab.reload();
    const reloaded = (await tab.locator('meta[name="traceparent"]').getAttribute('content')) ?? '';
    assert.notEqual(reloaded.split('-')[1], traceId);
  } finally {
    await tab.close();
  }
});

test(
  'a page load while the collector restarts: its root reaches Jaeger once the collector is back',
  { timeout: 90_000 },
  async () => {
    const { ports } = pipeline.collector;
    assert.equal(await pipeline.collector.stop(), 0);
    const tab = await browser.newPage();
    try {
      await tab.goto(page.ready[1]);
      const traceparent = (await tab.locator('meta[name="traceparent"]').getAttribute('content')) ?? '';
      const [, traceId] = traceparent.split('-');
      assert.match(traceId, /^[0-9a-f]{32}$/);
      // A restart of 10 s, as in restarts.test.ts: the OTLP exporter's retries span 10.5 to 14.75 s
      // (OTEL_EXPORTER_OTLP_TIMEOUT=15000 in page-server/otel.env), and the collector starts in under 1 s.
      await sleep(10_000);
      pipeline.collector = await startCollector({ pagePort, jaegerOtlpPort: pipeline.jaeger.ports.otlp, ports });
      // The page server kept the span it could not send, and sends it now.
      const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, ['GET /'], { timeoutMs: 30_000 });
      assert.equal(spans.find((span) => span.name === 'GET /')?.service, 'hello-page');
    } finally {
      await tab.close();
    }
  },
);
