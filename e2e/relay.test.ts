// The page server's relay of the page's spans (page-server/otlp-relay.ts), in front of the real
// collector and Jaeger, on loopback: what it refuses, what it streams through, and a flood from one
// client address (127.0.0.2) while a real Chromium click's trace still arrives whole.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { assertHelloTrace, HELLO_SPANS } from '@hello-trace/harness/testing/hello-trace';
import { memoryMiB } from '@hello-trace/harness/testing/load';
import { OtlpReceiver } from '@hello-trace/harness/testing/otlp-receiver';
import {
  clickSayHello,
  launchChromium,
  startPageServer,
  startServerAndPage,
  type ServerAndPage,
} from '@hello-trace/harness/testing/page';
import { startPipeline, traceFromJaeger, type Pipeline } from '@hello-trace/harness/testing/pipeline';
import { freePort } from '@hello-trace/harness/testing/processes';
import { sendOtlp } from '@hello-trace/harness/testing/raw-request';

/** The relay's cap, the collector browser receiver's max_request_body_size. */
const BODY_CAP = 30_000;

let pipeline: Pipeline;
let pagePort: number;
let stack: ServerAndPage;

before(async () => {
  pagePort = await freePort();
  pipeline = await startPipeline(pagePort);
  stack = await startServerAndPage({
    pagePort,
    otlpUrl: pipeline.collector.url,
    relayTo: pipeline.collector.browserUrl,
    jaegerUrl: pipeline.jaeger.url,
  });
});

after(async () => {
  await stack?.stop();
  await pipeline?.stop();
});

/** One span of a new trace from the page's service, as OTLP/JSON. */
function pageSpan(): { traceId: string; body: string } {
  const traceId = randomBytes(16).toString('hex');
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = {
    traceId,
    spanId: randomBytes(8).toString('hex'),
    name: 'relayed',
    kind: 1,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
  };
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'hello-web' } }] };
  return { traceId, body: JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ spans: [span] }] }] }) };
}

/** Sends `body` to the page's `/v1/traces`, as sendOtlp does. */
const post = (body: string, options: Omit<Parameters<typeof sendOtlp>[1], 'body'> = {}) =>
  sendOtlp(stack.pageUrl, { ...options, body });

test("an export on the page's origin streams through the relay and is stored in Jaeger", async () => {
  const { traceId, body } = pageSpan();
  const answer = await post(body);
  assert.equal(answer.status, 200, answer.body);
  const [span] = await traceFromJaeger(pipeline.jaeger.url, traceId, ['relayed']);
  assert.equal(span.service, 'hello-web');
});

test('the relay refuses a body over the cap (413), another content type (415) and GET (405)', async () => {
  const padded = 'x'.repeat(BODY_CAP + 1);
  const announced = await post(padded);
  assert.equal(announced.status, 413, announced.body);
  assert.match(announced.body, /at most 30000 bytes/);
  // No Content-Length, and a body that only turns out too large as it streams.
  assert.equal((await post(padded, { chunked: true })).status, 413);
  assert.equal((await post(pageSpan().body, { type: 'text/plain' })).status, 415);
  assert.equal((await post('', { method: 'GET' })).status, 405);
});

test(
  "a flood from one client is refused past its rate, while a Chromium click's trace arrives whole and the collector stays under 200 MiB",
  { timeout: 120_000 },
  async () => {
    const FLOOD_MS = 6_000;
    const MEMORY_BOUND_MIB = 200;
    const browser = await launchChromium();
    const floodEnds = Date.now() + FLOOD_MS;
    let stopped = false;
    const flooding = () => !stopped && Date.now() < floodEnds;
    let flood: Promise<void>[] = [];
    let memory: Promise<void> | undefined;
    try {
      const statuses = new Map<number, number>();
      let retryAfter: string | undefined;
      // 8 connections from 127.0.0.2 at once, each sending as fast as it is answered.
      flood = Array.from({ length: 8 }, async () => {
        while (flooding()) {
          // A connection the relay closed mid-flood counts as status 0.
          const answer = await post(pageSpan().body, { localAddress: '127.0.0.2' }).catch(() => undefined);
          const status = answer?.status ?? 0;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          retryAfter ??= answer?.headers['retry-after'];
        }
      });
      let peakMiB = 0;
      memory = (async () => {
        while (flooding()) {
          // Its own memory: the pages of its queue's file, which it maps, are the kernel's to drop.
          peakMiB = Math.max(peakMiB, (await memoryMiB(pipeline.collector.process)).anon);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      })();
      // Meanwhile a visitor on 127.0.0.1 loads the page and clicks.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const tab = await browser.newPage();
      await tab.goto(stack.pageUrl);
      const clickedAt = Date.now();
      const traceId = await clickSayHello(tab);
      const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, HELLO_SPANS, { timeoutMs: 10_000 });
      assertHelloTrace(spans, { url: `${stack.serverUrl}/hello`, name: 'GoFrame' });
      const arrivedMs = Date.now() - clickedAt;
      await Promise.all([...flood, memory]);
      const { anon, peak } = await memoryMiB(pipeline.collector.process);
      peakMiB = Math.max(peakMiB, anon);
      console.log(
        `# flood: answers ${JSON.stringify(Object.fromEntries(statuses))} in ${FLOOD_MS / 1000} s; the click's trace whole in Jaeger ${arrivedMs} ms after the click; collector's own memory at most ${peakMiB.toFixed(0)} MiB, peak RSS with its queue's file ${peak.toFixed(0)} MiB`,
      );
      const accepted = statuses.get(200) ?? 0;
      // The burst of 20, then 10 a second.
      assert.ok(accepted <= 20 + 10 * (FLOOD_MS / 1000) + 10, `${accepted} of the flood's requests accepted`);
      assert.ok((statuses.get(429) ?? 0) > accepted, `the flood's answers: ${JSON.stringify([...statuses])}`);
      assert.match(retryAfter ?? '', /^[1-9]\d*$/, 'a 429 says when to try again');
      assert.ok(peakMiB < MEMORY_BOUND_MIB, `the collector's own memory reached ${peakMiB.toFixed(0)} MiB`);
    } finally {
      // A failure ends the flood too, before the pipeline stops.
      stopped = true;
      await Promise.allSettled([...flood, memory]);
      await browser.close();
    }
  },
);

test('relaying makes no spans: the page server traces only its documents', async (t) => {
  const receiver = new OtlpReceiver();
  await receiver.start();
  t.after(() => receiver.stop());
  const port = await freePort();
  const pageServer = await startPageServer(stack.page.pageDir, port, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    COLLECTOR_BROWSER_URL: pipeline.collector.browserUrl,
  });
  t.after(() => pageServer.stop());
  const pageUrl = pageServer.ready[1].replace(/\/$/, '');
  for (let i = 0; i < 3; i++) {
    const { traceId, body } = pageSpan();
    const answer = await fetch(`${pageUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(answer.status, 200);
    await traceFromJaeger(pipeline.jaeger.url, traceId, ['relayed']);
  }
  // The document makes a span: once it has arrived, so would any span of the exports before it.
  await (await fetch(`${pageUrl}/`)).text();
  const deadline = Date.now() + 10_000;
  while (!receiver.spans.some((span) => span.name === 'GET /') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.deepEqual(
    receiver.spans.map((span) => `${span.service}: ${span.name}`),
    ['hello-page: GET /'],
  );
});

test("direct mode: with VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT at the collector's browser receiver, a click's trace arrives", async () => {
  // The same page port, which the collector's CORS allows.
  await stack.stop();
  stack = await startServerAndPage({
    pagePort,
    otlpUrl: pipeline.collector.url,
    pageOtlpUrl: pipeline.collector.browserUrl,
    jaegerUrl: pipeline.jaeger.url,
  });
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    const exports: string[] = [];
    tab.on('request', (sent) => void (sent.url().endsWith('/v1/traces') && exports.push(new URL(sent.url()).origin)));
    await tab.goto(stack.pageUrl);
    const traceId = await clickSayHello(tab);
    assertHelloTrace(await traceFromJaeger(pipeline.jaeger.url, traceId, HELLO_SPANS), {
      url: `${stack.serverUrl}/hello`,
      name: 'GoFrame',
    });
    assert.deepEqual([...new Set(exports)], [new URL(pipeline.collector.browserUrl).origin]);
  } finally {
    await browser.close();
  }
});
