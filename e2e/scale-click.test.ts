// `npm run start:scale` as a user runs it (one OpenSearch node, every address moved to a free port):
// Chromium clicks "Say hello", normal and failing, on the page it serves. Each trace arrives whole,
// through the two agents, a gateway's tail sampling, Kafka and the ingester, in Jaeger's query API and
// in the page's waterfall, and its spans are documents in OpenSearch. Ctrl-C stops the parts in
// reverse order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertHelloTrace, HELLO_SPANS, only } from '@hello-trace/harness/testing/hello-trace';
import { StatusCode, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import { clickSayHello, launchChromium, waitForWaterfall } from '@hello-trace/harness/testing/page';
import { traceFromJaeger } from '@hello-trace/harness/testing/pipeline';
import { freeAddresses, startStack } from '@hello-trace/harness/testing/processes';

/** The order start:scale starts its parts in, with one OpenSearch node. */
const PARTS = [
  'opensearch-1',
  'kafka',
  'ingester',
  'query',
  'gateway-1',
  'gateway-2',
  'server-agent',
  'browser-agent',
  'greeter',
  'server',
  'page-server',
];

let ports: Record<string, string>;
let stack: Awaited<ReturnType<typeof startStack>>;
let browser: Browser;
let tab: Page;

before(async () => {
  ports = await freeAddresses();
  stack = await startStack({ ...ports, OPENSEARCH_NODES: '1', SCALE_EPHEMERAL: 'true' }, 'start:scale');
  browser = await launchChromium();
  tab = await browser.newPage();
  await tab.goto(`http://localhost:${ports.PAGE_PORT}`);
});

after(async () => {
  await browser?.close();
  const output = (await stack?.stop()) ?? '';
  const stopped = [...output.matchAll(/\[start:scale\] stopping ([\w-]+)/g)].map(([, part]) => part);
  assert.deepEqual(stopped, PARTS.toReversed(), output);
  assert.match(output, /\[start:scale\] stopped\n/);
});

const queryUrl = () => `http://127.0.0.1:${ports.JAEGER_UI_PORT}`;

/** Chooses the scenario, clicks, and waits for the waterfall, which the page draws once Jaeger has the whole trace. */
async function clickAndWaitForWaterfall(scenario: string): Promise<string> {
  await tab.getByLabel('Scenario').selectOption(scenario);
  const clickedAt = Date.now();
  const traceId = await clickSayHello(tab);
  // The gateways decide within a second of a trace's root span arriving; the page waits up to 21 s.
  await waitForWaterfall(tab, 45_000);
  console.log(`# ${scenario}: the waterfall ${Date.now() - clickedAt} ms after the click`);
  return traceId;
}

async function waterfallRows(): Promise<{ name: string; service: string | null; status: string | null }[]> {
  return tab.getByTestId('span-row').evaluateAll((rows) =>
    rows.map((row) => ({
      name: row.querySelector('.span-name')?.textContent ?? '',
      service: row.getAttribute('data-service'),
      status: row.getAttribute('data-status'),
    })),
  );
}

/** The trace's spans as OpenSearch holds them: Jaeger's span documents, read from its jaeger-span-* indices. */
async function openSearchSpans(traceId: string): Promise<{ spanID: string; operationName: string }[]> {
  const openSearch = `http://127.0.0.1:${ports.OPENSEARCH_1_PORT}`;
  await fetch(`${openSearch}/jaeger-span-*/_refresh`, { method: 'POST' });
  const answer = await fetch(`${openSearch}/jaeger-span-*/_search?size=100&q=traceID:${traceId}`);
  assert.equal(answer.status, 200, await answer.clone().text());
  // Each hit holds the document under `_source`.
  const { hits } = (await answer.json()) as {
    hits: { hits: Record<string, { spanID: string; operationName: string }>[] };
  };
  return hits.hits.map((hit) => hit['_source']);
}

async function assertStoredEverywhere(traceId: string, spans: ReceivedSpan[]): Promise<void> {
  const rows = await waterfallRows();
  assert.equal(rows.length, spans.length, 'one bar per span');
  assert.deepEqual(new Set(rows.map((row) => row.service)), new Set(['hello-web', 'hello-server']));
  const documents = await openSearchSpans(traceId);
  assert.deepEqual(
    documents.map((document) => document.spanID).toSorted(),
    spans.map((stored) => stored.spanId).toSorted(),
    'every span is a document in OpenSearch',
  );
}

test('normal: the trace is whole in Jaeger, in the waterfall and in OpenSearch', { timeout: 120_000 }, async () => {
  const traceId = await clickAndWaitForWaterfall('normal');
  assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
  const spans = await traceFromJaeger(queryUrl(), traceId, HELLO_SPANS);
  assertHelloTrace(spans, { url: `http://localhost:${ports.SERVER_PORT}/hello`, name: 'GoFrame' });
  await assertStoredEverywhere(traceId, spans);
});

test(
  'failing: the trace is whole, its errors too, in Jaeger, in the waterfall and in OpenSearch',
  { timeout: 120_000 },
  async () => {
    const traceId = await clickAndWaitForWaterfall('failing');
    assert.match((await tab.getByTestId('error').textContent()) ?? '', /answered 500/);
    const spans = await traceFromJaeger(queryUrl(), traceId, HELLO_SPANS);
    for (const [service, name] of [
      ['hello-web', 'StartRequests'],
      ['hello-web', 'GET'],
      ['hello-server', 'GET /hello'],
      ['hello-server', 'HelloHandler'],
    ]) {
      assert.equal(only(spans, service, name).status.code, StatusCode.ERROR, `${service} ${name}`);
    }
    const failed = (await waterfallRows()).filter((row) => row.status === 'error').map((row) => row.name);
    assert.deepEqual(new Set(failed), new Set(['StartRequests', 'GET', 'GET /hello', 'HelloHandler']));
    await assertStoredEverywhere(traceId, spans);
  },
);
