// URLs scrubbed of secrets on both sides, through the real collector to the real Jaeger: Chromium
// loads the page at an address with credentials, sensitive query parameters and a fragment that
// carries a token, the page throws an error that names its address, a click calls the server with
// sensitive query parameters, a request brings them straight to the greeter, and the page fetches an
// address with credentials, which the browser refuses. The greeter runs the lean SERVER span, so that
// both SERVER spans are covered. No span Jaeger stores holds a secret, anywhere in its answer, while
// the other parameters and the names of the redacted ones are kept. TRACING_REDACT_QUERY_PARAMS and
// VITE_REDACT_QUERY_PARAMS add `session_key` to the default list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { DOWNSTREAM_CLICK_SPANS, startGreeter } from '@hello-trace/harness/testing/downstream';
import { only } from '@hello-trace/harness/testing/hello-trace';
import { toReceivedSpans, type OtlpRequest, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import { clickSayHello, launchChromium, servePage } from '@hello-trace/harness/testing/page';
import { startPipeline, traceFromJaeger, type Pipeline } from '@hello-trace/harness/testing/pipeline';
import { freePort, startServer, type RunningProcess } from '@hello-trace/harness/testing/processes';

const SECRETS = 'token=secret&x=1&session_key=secret';
const SCRUBBED = 'token=REDACTED&x=1&session_key=REDACTED';
const MORE_NAMES = { TRACING_REDACT_QUERY_PARAMS: 'session_key' };

let pipeline: Pipeline;
let greeter: RunningProcess;
let greeterUrl: string;
let server: RunningProcess;
let serverUrl: string;
let page: Awaited<ReturnType<typeof servePage>>;
let pageOrigin: string;
let browser: Browser;

// The first run builds the collector and Jaeger from Go modules, which takes minutes.
before(
  async () => {
    const pagePort = await freePort();
    pipeline = await startPipeline(pagePort);
    const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url };
    greeter = await startGreeter({ ...otlp, ...MORE_NAMES, TRACING_LEAN_SERVER_SPAN: 'true' });
    greeterUrl = greeter.ready[1];
    server = await startServer({ ...otlp, ...MORE_NAMES, PAGE_PORT: String(pagePort), GREETER_URL: greeterUrl });
    serverUrl = server.ready[1];
    page = await servePage(
      pagePort,
      {
        VITE_SERVER_URL: serverUrl,
        VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${pipeline.collector.browserUrl}/v1/traces`,
        VITE_JAEGER_UI_URL: pipeline.jaeger.url,
        VITE_REDACT_QUERY_PARAMS: 'session_key',
      },
      { ...otlp, ...MORE_NAMES, JAEGER_QUERY_URL: pipeline.jaeger.url },
    );
    pageOrigin = new URL(page.ready[1]).origin;
    browser = await launchChromium();
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

/** Jaeger's answers as text, each the whole of it: its API v3's OTLP/JSON and its UI's JSON of the trace. */
async function storedText(traceId: string): Promise<string> {
  const answers = await Promise.all(
    [`/api/v3/traces/${traceId}`, `/api/traces/${traceId}`].map(async (path) => {
      const response = await fetch(`${pipeline.jaeger.url}${path}`);
      assert.equal(response.status, 200, path);
      return response.text();
    }),
  );
  return answers.join('\n');
}

/** Fails, showing where, when `text` holds the word secret. */
function assertNoSecret(text: string, what: string): void {
  const at = text.indexOf('secret');
  assert.equal(at, -1, `${what}: Jaeger stored "…${text.slice(Math.max(0, at - 150), at + 30)}…"`);
}

/**
 * Fails when anything Jaeger stores of any service holds the word secret: besides the traces a test
 * looks at, the page's own calls and errors, each a trace of its own.
 */
async function assertNothingStoredHoldsSecret(): Promise<void> {
  for (const service of ['hello-web', 'hello-page', 'hello-server', 'hello-greeter']) {
    const query = new URLSearchParams({
      'query.service_name': service,
      'query.start_time_min': new Date(Date.now() - 3_600_000).toISOString(),
      'query.start_time_max': new Date(Date.now() + 60_000).toISOString(),
      'query.num_traces': '1000',
    });
    const response = await fetch(`${pipeline.jaeger.url}/api/v3/traces?${query}`);
    // 404: no trace of that service yet.
    assert.ok([200, 404].includes(response.status), `${service}: ${response.status}`);
    assertNoSecret(await response.text(), `the traces of ${service}`);
  }
}

/** The `attribute` of the one span of `service` named `name`. */
function attributeOf(spans: ReceivedSpan[], service: string, name: string, attribute: string): unknown {
  return only(spans, service, name).attributes[attribute];
}

/** The page's root span named `name` that `matches`, once Jaeger has it: a trace of its own, found by searching. */
async function pageSpan(name: string, matches: (span: ReceivedSpan) => boolean, what: string): Promise<ReceivedSpan> {
  const query = new URLSearchParams({
    'query.service_name': 'hello-web',
    'query.operation_name': name,
    'query.start_time_min': new Date(Date.now() - 600_000).toISOString(),
    'query.start_time_max': new Date(Date.now() + 60_000).toISOString(),
    'query.num_traces': '1000',
  });
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const response = await fetch(`${pipeline.jaeger.url}/api/v3/traces?${query}`);
    if (response.ok) {
      const found = toReceivedSpans(((await response.json()) as { result: OtlpRequest }).result).find(matches);
      if (found) return found;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Jaeger has no ${name} span ${what} after 30 s`);
}

test("a page load at an address with secrets: the page server's span, documentLoad, documentFetch and a page error", async () => {
  const tab = await browser.newPage();
  try {
    const address = new URL(`/?${SECRETS}#access_token=secret`, pageOrigin);
    address.username = 'user';
    address.password = 'secret';
    await tab.goto(address.href);
    const traceparent = (await tab.locator('meta[name="traceparent"]').getAttribute('content')) ?? '';
    const [, traceId] = traceparent.split('-');
    assert.match(traceId, /^[0-9a-f]{32}$/);
    // An error whose message names the page's address, as an app's message often names a URL.
    await tab.evaluate(() =>
      setTimeout(() => {
        throw new Error(`could not load ${location.href}`);
      }),
    );

    const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, ['GET /', 'documentLoad', 'documentFetch']);
    assertNoSecret(await storedText(traceId), 'the page load');
    assert.equal(attributeOf(spans, 'hello-page', 'GET /', 'url.query'), SCRUBBED);
    // Chromium keeps the address's credentials out of location.href, which documentLoad and
    // documentFetch record, and out of the page's module scripts and styles, which Vite loads in CORS mode.
    const scrubbedAddress = `${pageOrigin}/?${SCRUBBED}#access_token=REDACTED`;
    assert.equal(attributeOf(spans, 'hello-web', 'documentLoad', 'url.full'), scrubbedAddress);
    assert.equal(attributeOf(spans, 'hello-web', 'documentFetch', 'url.full'), scrubbedAddress);

    const error = await pageSpan(
      'pageError',
      (span) => String(span.events[0]?.attributes['exception.message']).startsWith('could not load'),
      'whose message names the address',
    );
    assert.equal(error.events[0].attributes['exception.message'], `could not load ${scrubbedAddress}`);
    assertNoSecret(await storedText(error.traceId), 'the page error');
    await assertNothingStoredHoldsSecret();
  } finally {
    await tab.close();
  }
});

test('a click whose request carries secrets: the page, the server and the greeter', async () => {
  const tab = await browser.newPage();
  try {
    await tab.goto(page.ready[1]);
    // The page's calls to the server carry sensitive query parameters, as an app's call with a token
    // would: the app's own fetch goes through the instrumented one with them added.
    await tab.evaluate(
      ([origin, secrets]) => {
        const instrumented = window.fetch;
        window.fetch = (input, init) =>
          instrumented(typeof input === 'string' && input.startsWith(origin) ? `${input}&${secrets}` : input, init);
      },
      [serverUrl, SECRETS],
    );
    await tab.getByLabel('Scenario').selectOption('downstream');
    const traceId = await clickSayHello(tab);
    assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');

    const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, DOWNSTREAM_CLICK_SPANS);
    assertNoSecret(await storedText(traceId), 'the click');
    assert.equal(
      attributeOf(spans, 'hello-web', 'GET', 'url.full'),
      `${serverUrl}/hello?scenario=downstream&${SCRUBBED}`,
    );
    assert.equal(attributeOf(spans, 'hello-server', 'GET /hello', 'url.query'), `scenario=downstream&${SCRUBBED}`);
    await assertNothingStoredHoldsSecret();
  } finally {
    await tab.close();
  }
});

test("a request with secrets straight to the greeter: its lean SERVER span's query", async () => {
  const traceId = crypto.randomUUID().replaceAll('-', '');
  const response = await fetch(`${greeterUrl}/greeting?${SECRETS}`, {
    headers: { traceparent: `00-${traceId}-${'1'.repeat(16)}-01` },
  });
  assert.equal(response.status, 200);
  const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, ['GET /greeting']);
  assertNoSecret(await storedText(traceId), 'the greeter');
  const greeting = only(spans, 'hello-greeter', 'GET /greeting');
  assert.equal(greeting.scope, 'server-span', 'the lean SERVER span');
  assert.equal(greeting.attributes['url.query'], SCRUBBED);
  await assertNothingStoredHoldsSecret();
});

test("a fetch of an address with credentials, which the browser refuses: the page's CLIENT span", async () => {
  const tab = await browser.newPage();
  try {
    await tab.goto(page.ready[1]);
    const address = `${serverUrl.replace('://', '://user:secret@')}/hello?${SECRETS}`;
    const refused = await tab.evaluate((url) => fetch(url).then(String, (error: Error) => error.name), address);
    assert.equal(refused, 'TypeError');
    const call = await pageSpan(
      'GET',
      (span) => /@.*\/hello\?/.test(String(span.attributes['url.full'])),
      'of the address with credentials',
    );
    assert.equal(call.attributes['url.full'], `${serverUrl.replace('://', '://REDACTED:REDACTED@')}/hello?${SCRUBBED}`);
    assertNoSecret(await storedText(call.traceId), 'the refused fetch');
    await assertNothingStoredHoldsSecret();
  } finally {
    await tab.close();
  }
});
