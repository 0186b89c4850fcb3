// Sampling per session through the whole pipeline without Docker: Chromium on the page built with
// VITE_SESSION_SAMPLE_RATIO, its page server reading the same setting and relaying the page's spans,
// the server and the greeter, all sending to the real collector in front of the real Jaeger. Each
// session is kept whole or dropped whole, page loads and clicks alike, in every service.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startGreeter } from '@hello-trace/harness/testing/downstream';
import { toReceivedSpans, type OtlpRequest, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import {
  clickSayHello,
  launchChromium,
  servePage,
  startPageServer,
  type ServedPage,
} from '@hello-trace/harness/testing/page';
import { startPipeline, type Pipeline } from '@hello-trace/harness/testing/pipeline';
import { freePort, startServer, type RunningProcess } from '@hello-trace/harness/testing/processes';

/** The spans of a page load that every page load has, whatever it fetched, as "service: name". */
const PAGE_LOAD = ['hello-page: GET /', 'hello-web: documentLoad', 'hello-web: documentFetch'];
/** The spans of a click, and of one in the downstream scenario. */
const CLICK = ['hello-server: GET /hello', 'hello-server: HelloHandler', 'hello-web: GET', 'hello-web: StartRequests'];
const DOWNSTREAM = [
  ...CLICK,
  'hello-greeter: GET /greeting',
  'hello-greeter: GreetHandler',
  'hello-server: GET',
].toSorted();

let pipeline: Pipeline;
let greeter: RunningProcess;
let server: RunningProcess;
let serverUrl: string;
let pagePort: number;
let browser: Browser;

// The first run builds the collector and Jaeger from Go modules, which takes minutes.
before(
  async () => {
    pagePort = await freePort();
    pipeline = await startPipeline(pagePort);
    greeter = await startGreeter({ OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url });
    server = await startServer({
      OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url,
      PAGE_PORT: String(pagePort),
      GREETER_URL: greeter.ready[1],
    });
    serverUrl = server.ready[1];
    browser = await launchChromium();
  },
  { timeout: 900_000 },
);

after(async () => {
  await browser?.close();
  await server?.stop();
  await greeter?.stop();
  await pipeline?.stop();
});

/** The page built with this ratio (or .env's, 1) and its page server, relaying the page's spans to the collector. */
function servePageAt(ratio?: string, pageServerEnv: Record<string, string> = {}): Promise<ServedPage> {
  return servePage(
    pagePort,
    {
      VITE_SERVER_URL: serverUrl,
      VITE_JAEGER_UI_URL: pipeline.jaeger.url,
      ...(ratio === undefined ? {} : { VITE_SESSION_SAMPLE_RATIO: ratio }),
    },
    {
      ...pageServerEnv,
      JAEGER_QUERY_URL: pipeline.jaeger.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url,
      COLLECTOR_BROWSER_URL: pipeline.collector.browserUrl,
    },
  );
}

interface Visit {
  tab: Page;
  /** The trace id and the sampled flag of each page load, from the document's meta traceparent. */
  loads: { traceId: string; sampled: boolean }[];
  /** The trace id of each click, and the sampled flag of the traceparent it sent the server. */
  clicks: { traceId: string; sampled: boolean }[];
}

/** Opens the page in `context` (a browser profile) and records what it loads and sends. */
async function open(context: BrowserContext, pageUrl: string): Promise<Visit> {
  const tab = await context.newPage();
  const visit: Visit = { tab, loads: [], clicks: [] };
  tab.on('request', (request) => {
    if (!request.url().startsWith(`${serverUrl}/hello`)) return;
    const [, traceId, flags] =
      request.headers().traceparent?.match(/^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/) ?? [];
    assert.ok(traceId, `the page sent no traceparent to ${request.url()}`);
    visit.clicks.push({ traceId, sampled: flags === '01' });
  });
  await tab.goto(pageUrl);
  await noteLoad(visit);
  return visit;
}

/** Notes the page load's traceparent, or a trace id of none when the document has none. */
async function noteLoad(visit: Visit): Promise<void> {
  const meta = visit.tab.locator('meta[name="traceparent"]');
  const [, traceId, flags] = ((await meta.count()) ? await meta.getAttribute('content') : '')?.match(
    /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/,
  ) ?? ['', '', ''];
  visit.loads.push({ traceId, sampled: flags === '01' });
  // documentLoad has started once the page says what became of the load.
  await visit.tab.getByTestId('page-load').waitFor({ timeout: 10_000 });
}

/** Says hello in `scenario` and checks the answer: sampling never changes it. */
async function click(visit: Visit, scenario = 'normal'): Promise<string> {
  await visit.tab.getByLabel('Scenario').selectOption(scenario);
  const traceId = await clickSayHello(visit.tab);
  assert.equal(await visit.tab.getByTestId('answer').textContent(), 'hello:GoFrame');
  const sent = visit.clicks.at(-1);
  assert.equal(sent?.traceId, traceId, 'the click sent its own trace');
  // The fetch span ends about 300 ms after the answer: the page must not be left before it has gone.
  if (sent.sampled) await storedTrace(traceId, scenario === 'downstream' ? DOWNSTREAM : CLICK);
  return traceId;
}

/** The spans Jaeger holds of `traceId`: none when it does not know the trace. */
async function storedSpans(traceId: string): Promise<ReceivedSpan[]> {
  const response = await fetch(`${pipeline.jaeger.url}/api/v3/traces/${traceId}`);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Jaeger answered ${response.status}: ${await response.text()}`);
  return toReceivedSpans(((await response.json()) as { result: OtlpRequest }).result);
}

/** The services and names of `spans`, as "service: name", sorted. */
const named = (spans: ReceivedSpan[]) => spans.map((span) => `${span.service}: ${span.name}`).toSorted();

/** Waits until Jaeger holds each of `expected` ("service: name", as many times as listed) in `traceId`; returns its spans. */
async function storedTrace(traceId: string, expected: string[], timeoutMs = 30_000): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: ReceivedSpan[] = [];
  while (Date.now() < deadline) {
    spans = await storedSpans(traceId);
    const missing = [...expected];
    for (const span of named(spans)) if (missing.includes(span)) missing.splice(missing.indexOf(span), 1);
    if (missing.length === 0) return spans;
    await sleep(250);
  }
  throw new Error(
    `Jaeger still lacks [${expected}] in trace ${traceId} after ${timeoutMs} ms; it has [${named(spans)}]`,
  );
}

/**
 * Waits until what the senders had has reached the collector (accepted spans still for 1.5 s), then
 * for Jaeger to hold as many spans of `keptTraces` as the collector accepted since `acceptedBefore`:
 * then no span of any other trace arrived. Returns the spans of each kept trace.
 */
async function settle(acceptedBefore: number, keptTraces: string[]): Promise<Map<string, ReceivedSpan[]>> {
  await sleep(1_500);
  const accepted = (await pipeline.collector.settledSpans()) - acceptedBefore;
  let stored = new Map<string, ReceivedSpan[]>();
  for (let waited = 0; waited <= 20_000; waited += 500) {
    stored = new Map(await Promise.all(keptTraces.map(async (id) => [id, await storedSpans(id)] as const)));
    if ([...stored.values()].reduce((sum, spans) => sum + spans.length, 0) >= accepted) break;
    await sleep(500);
  }
  const held = [...stored.values()].reduce((sum, spans) => sum + spans.length, 0);
  assert.equal(held, accepted, `the collector accepted ${accepted} spans, the kept traces hold ${held}`);
  return stored;
}

test('at 0, page loads and clicks, downstream too, store no span from any service, and the page still says hello:GoFrame', async () => {
  const page = await servePageAt('0');
  let untracedPageServer: RunningProcess | undefined;
  try {
    const acceptedBefore = await pipeline.collector.settledSpans();
    const context = await browser.newContext();
    const visit = await open(context, page.ready[1]);
    await click(visit);
    await click(visit, 'downstream');
    await visit.tab.reload();
    await noteLoad(visit);
    await click(visit);
    // What the page says of them, checked once nothing is stored.
    const said = [
      await visit.tab.getByTestId('page-load').textContent(),
      await visit.tab.getByTestId('not-sampled').allTextContents(),
    ];
    const [cookie] = await context.cookies();
    await context.close();

    // Where no page server names the load (its tracing off), the page decides alone, by its own ratio.
    await page.stop();
    untracedPageServer = await startPageServer(page.pageDir, pagePort, {
      VITE_SESSION_SAMPLE_RATIO: '0',
      OTEL_SDK_DISABLED: 'true',
      COLLECTOR_BROWSER_URL: pipeline.collector.browserUrl,
      JAEGER_QUERY_URL: pipeline.jaeger.url,
    });
    const alone = await browser.newContext();
    const aloneVisit = await open(alone, page.ready[1]);
    assert.equal(aloneVisit.loads[0].traceId, '', 'the document names no span');
    await click(aloneVisit);
    said.push(await aloneVisit.tab.getByTestId('page-load').textContent());
    await alone.close();

    const visits = [visit, aloneVisit];
    for (const { loads, clicks } of visits) {
      assert.deepEqual(
        [...loads, ...clicks].filter((trace) => trace.sampled),
        [],
        'every traceparent says not sampled',
      );
    }
    assert.equal(visit.clicks.length, 3);
    await settle(acceptedBefore, []);
    for (const { traceId } of [...visit.loads, ...visit.clicks, ...aloneVisit.clicks]) {
      assert.deepEqual(await storedSpans(traceId), [], `Jaeger has trace ${traceId}`);
    }
    assert.deepEqual(said, [
      "This page load: not traced: the page server's traceparent says not sampled.",
      ['not traced: this session is not sampled'],
      'This page load: not traced: this session is not sampled.',
    ]);
    // The session's decision, for the page server: no secret, readable by the page, sent to its own site only.
    assert.deepEqual(
      { name: cookie?.name, value: cookie?.value, sameSite: cookie?.sameSite, httpOnly: cookie?.httpOnly },
      { name: 'otel-session-sampled', value: '0', sameSite: 'Strict', httpOnly: false },
    );
  } finally {
    await untracedPageServer?.stop();
    await page.dispose();
  }
});

test('at 1 (.env), page loads and clicks, downstream too, store every span of every service', async () => {
  const page = await servePageAt();
  try {
    const acceptedBefore = await pipeline.collector.settledSpans();
    const context = await browser.newContext();
    const visit = await open(context, page.ready[1]);
    const normal = await click(visit);
    const downstream = await click(visit, 'downstream');
    await visit.tab.reload();
    await noteLoad(visit);
    assert.equal((await context.cookies())[0]?.value, '1');
    await context.close();

    assert.deepEqual(
      [...visit.loads, ...visit.clicks].filter((trace) => !trace.sampled),
      [],
      'every traceparent says sampled',
    );
    const [first, reload] = visit.loads.map((load) => load.traceId);
    await storedTrace(first, PAGE_LOAD);
    await storedTrace(reload, PAGE_LOAD);
    const stored = await settle(acceptedBefore, [first, reload, normal, downstream]);
    assert.deepEqual(named(stored.get(normal)!), CLICK);
    assert.deepEqual(named(stored.get(downstream)!), DOWNSTREAM);
    for (const load of [first, reload]) {
      assert.deepEqual(new Set(stored.get(load)!.map((span) => span.service)), new Set(['hello-page', 'hello-web']));
    }
  } finally {
    await page.dispose();
  }
});

const SESSIONS = 40;

test(
  `at 0.5, of ${SESSIONS} sessions (a page load, a click, a reload) about half are kept, each one whole, in every service`,
  { timeout: 300_000 },
  async (t) => {
    const page = await servePageAt('0.5');
    try {
      const acceptedBefore = await pipeline.collector.settledSpans();
      const visits: Visit[] = [];
      for (let session = 0; session < SESSIONS; session++) {
        const context = await browser.newContext();
        const visit = await open(context, page.ready[1]);
        await click(visit);
        await visit.tab.reload();
        await noteLoad(visit);
        await context.close();
        visits.push(visit);
      }
      // What each session's traceparents said: its page load's, its reload's, its click's.
      for (const [session, visit] of visits.entries()) {
        const said = [...visit.loads, ...visit.clicks].map((trace) => trace.sampled);
        assert.deepEqual(said, [said[0], said[0], said[0]], `session ${session} was split: ${said}`);
      }
      const traceIds = (visit: Visit) => [...visit.loads, ...visit.clicks].map((trace) => trace.traceId);
      const kept = visits.filter((visit) => visit.loads[0].sampled);
      for (const visit of kept) {
        for (const load of visit.loads) await storedTrace(load.traceId, PAGE_LOAD);
      }
      // Every span the collector got belongs to a kept session's traces,
      await settle(acceptedBefore, kept.flatMap(traceIds));
      // and Jaeger holds every trace of a kept session, none of a dropped one.
      for (const [session, visit] of visits.entries()) {
        for (const traceId of traceIds(visit)) {
          const stored = (await storedSpans(traceId)).length > 0;
          assert.equal(
            stored,
            visit.loads[0].sampled,
            `session ${session}: trace ${traceId} ${stored ? 'stored' : 'missing'}`,
          );
        }
      }
      // Binomial(40, 0.5): outside 7 to 33 with a chance of 8.4 in a million (P(X ≤ 6) = 4.2e-6, each side).
      t.diagnostic(`${kept.length} of ${SESSIONS} sessions kept`);
      assert.ok(kept.length >= 7 && kept.length <= 33, `${kept.length} of ${SESSIONS} sessions kept`);
    } finally {
      await page.dispose();
    }
  },
);
