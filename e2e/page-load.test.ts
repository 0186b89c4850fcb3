// The page load as a trace, in headless Chromium on the built page: documentLoad with documentFetch
// and resourceFetch under it, continuing the HTML's <meta name="traceparent"> when there is one;
// session.id on every span the page sends, never sent to the server; uncaught errors as spans, capped.
// The page, its page server and the real server export to an OTLP receiver (the page server asks a real, empty Jaeger);
// the last test runs the real collector in front of Jaeger, and the page draws the page load's trace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { only, PAGE_LOAD_SPANS } from '@hello-trace/harness/testing/hello-trace';
import { OtlpReceiver, SpanKind, StatusCode, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import {
  clickSayHello,
  launchChromium,
  pageLoadTraceId,
  servePage,
  waitForWaterfall,
} from '@hello-trace/harness/testing/page';
import { startJaeger, startPipeline, traceFromJaeger, type Jaeger } from '@hello-trace/harness/testing/pipeline';
import { freePort, startServer, type RunningProcess } from '@hello-trace/harness/testing/processes';

/** Short, so that a test can outwait it; the page's default is 30 minutes. */
const INACTIVITY_TIMEOUT_S = 6;

let receiver: OtlpReceiver;
let jaeger: Jaeger;
let server: RunningProcess;
let proxy: RecordingProxy;
let page: Awaited<ReturnType<typeof servePage>>;
let pageUrl: string;
let browser: Browser;

interface RecordingProxy {
  url: string;
  /** Every request passed on to the server: what the server got. */
  requests: { method: string; url: string; headers: IncomingHttpHeaders }[];
  stop(): Promise<void>;
}

/** An HTTP proxy on loopback in front of `target`, keeping the URL and headers of every request. */
async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: RecordingProxy['requests'] = [];
  const proxyServer = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    const upstream = httpRequest(
      new URL(request.url ?? '/', target),
      { method: request.method, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => response.writeHead(502).end(`proxy: ${error.message}`));
    request.pipe(upstream);
  });
  proxyServer.listen(0, '127.0.0.1');
  await once(proxyServer, 'listening');
  return {
    url: `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`,
    requests,
    async stop() {
      proxyServer.closeAllConnections();
      proxyServer.close();
      await once(proxyServer, 'close');
    },
  };
}

before(async () => {
  const pagePort = await freePort();
  const pageOrigin = `http://localhost:${pagePort}`;
  receiver = new OtlpReceiver({ allowedOrigins: [pageOrigin] });
  await receiver.start();
  jaeger = await startJaeger();
  server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, CORS_ALLOWED_ORIGINS: pageOrigin });
  proxy = await startRecordingProxy(server.ready[1]);
  page = await servePage(
    pagePort,
    {
      VITE_SERVER_URL: proxy.url,
      VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      VITE_JAEGER_UI_URL: jaeger.url,
      VITE_SESSION_INACTIVITY_TIMEOUT: String(INACTIVITY_TIMEOUT_S),
    },
    // A Jaeger that never gets these spans: the page waits for them, and its console stays clean.
    { JAEGER_QUERY_URL: jaeger.url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
  );
  pageUrl = page.ready[1];
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await page?.dispose();
  await proxy?.stop();
  await server?.stop();
  await jaeger?.stop();
  await receiver?.stop();
});

/** A new browser profile (its own localStorage), noting every console error and warning. */
async function newProfile(): Promise<{ context: BrowserContext; consoleProblems: string[] }> {
  const context = await browser.newContext();
  const consoleProblems: string[] = [];
  context.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      consoleProblems.push(`${message.type()}: ${message.text()}`);
    }
  });
  return { context, consoleProblems };
}

/** Closes the profile, once its console has stayed clean. */
async function closeProfile({ context, consoleProblems }: Awaited<ReturnType<typeof newProfile>>): Promise<void> {
  await context.close();
  assert.deepEqual(consoleProblems, [], 'the console stays clean');
}

/** Waits for the spans of one trace until `names` are all there. */
function traceSpans(traceId: string, names: string[]): Promise<ReceivedSpan[]> {
  const ofTrace = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
  return receiver
    .waitFor((spans) => names.every((name) => ofTrace(spans).some((span) => span.name === name)))
    .then(ofTrace);
}

/** Loads `url` in `tab` and returns the session id of its documentLoad span. */
async function loadSession(tab: Page, url = pageUrl): Promise<string> {
  await tab.goto(url);
  const spans = await traceSpans(await pageLoadTraceId(tab), ['documentLoad']);
  const sessionId = only(spans, 'hello-web', 'documentLoad').attributes['session.id'];
  assert.match(String(sessionId), /^[0-9a-f]{32}$/);
  return String(sessionId);
}

/** A copy of the built page whose HTML carries `<meta name="traceparent" content=…>`, as a traced page server would send it. */
async function pageWithTraceparent(traceparent: string): Promise<string> {
  const html = await readFile(join(page.pageDir, 'index.html'), 'utf8');
  const name = `traceparent-${randomBytes(4).toString('hex')}.html`;
  await writeFile(
    join(page.pageDir, name),
    html.replace('<head>', `<head>\n    <meta name="traceparent" content="${traceparent}" />`),
  );
  return new URL(name, pageUrl).href;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

test('a page load is a trace: documentLoad, with documentFetch and a resourceFetch per resource', async () => {
  const profile = await newProfile();
  const tab = await profile.context.newPage();
  await tab.goto(pageUrl);
  const traceId = await pageLoadTraceId(tab);
  assert.match((await tab.getByTestId('page-load').textContent()) ?? '', /continues the page server's trace/);
  const spans = await traceSpans(traceId, PAGE_LOAD_SPANS);

  const document = only(spans, 'hello-page', 'GET /');
  assert.equal(document.kind, SpanKind.SERVER);
  assert.equal(document.parentSpanId, '', 'the page server starts the trace');
  const load = only(spans, 'hello-web', 'documentLoad');
  assert.equal(load.parentSpanId, document.spanId, "documentLoad continues the page server's span");
  assert.equal(load.kind, SpanKind.INTERNAL);
  assert.equal(load.attributes['url.full'], pageUrl);
  assert.match(String(load.attributes['user_agent.original']), /Chrome/);
  for (const event of ['fetchStart', 'domInteractive', 'domContentLoadedEventEnd', 'loadEventEnd']) {
    assert.ok(
      load.events.some((e) => e.name === event),
      `documentLoad has no ${event} event`,
    );
  }
  const fetchSpan = only(spans, 'hello-web', 'documentFetch');
  assert.equal(fetchSpan.parentSpanId, load.spanId);
  assert.equal(fetchSpan.attributes['url.full'], pageUrl);
  const resources = spans.filter((span) => span.name === 'resourceFetch');
  assert.ok(resources.every((span) => span.parentSpanId === load.spanId));
  const urls = resources.map((span) => new URL(String(span.attributes['url.full'])).pathname);
  assert.ok(
    urls.some((path) => /^\/assets\/index-.*\.js$/.test(path)),
    `no resourceFetch of the page's script in ${urls}`,
  );
  assert.ok(
    urls.some((path) => /^\/assets\/index-.*\.css$/.test(path)),
    `no resourceFetch of the page's styles in ${urls}`,
  );
  const sessionIds = new Set(
    spans.filter((span) => span.service === 'hello-web').map((span) => span.attributes['session.id']),
  );
  assert.equal(sessionIds.size, 1, 'every span of the page load carries the one session id');
  assert.equal(document.attributes['session.id'], undefined, 'the page server knows no session');
  assert.match(String([...sessionIds][0]), /^[0-9a-f]{32}$/);
  await closeProfile(profile);
});

test("with the HTML's meta traceparent, documentLoad is a child of that span, in its trace", async () => {
  const traceId = hex(16);
  const parentSpanId = hex(8);
  const profile = await newProfile();
  const tab = await profile.context.newPage();
  await tab.goto(await pageWithTraceparent(`00-${traceId}-${parentSpanId}-01`));
  assert.equal(await pageLoadTraceId(tab), traceId);
  assert.match((await tab.getByTestId('page-load').textContent()) ?? '', /continues the page server's trace/);
  const spans = await traceSpans(traceId, ['documentLoad', 'documentFetch']);
  const load = only(spans, 'hello-web', 'documentLoad');
  assert.equal(load.parentSpanId, parentSpanId);
  assert.equal(only(spans, 'hello-web', 'documentFetch').parentSpanId, load.spanId);
  await closeProfile(profile);
});

test('with a meta traceparent that says not sampled (-00), the page records nothing for the load', async () => {
  const traceId = hex(16);
  const profile = await newProfile();
  const tab = await profile.context.newPage();
  await tab.goto(await pageWithTraceparent(`00-${traceId}-${hex(8)}-00`));
  await tab
    .getByTestId('page-load')
    .filter({ hasText: "not traced: the page server's traceparent says not sampled" })
    .waitFor({ timeout: 10_000 });
  assert.equal(await tab.getByTestId('page-load').getByRole('link').count(), 0);
  // Leaving flushes whatever the page had; the next load's spans arriving shows that it did. That
  // session was dropped (its cookie says so to the page server): this load's HTML names a kept span.
  const next = await loadSession(tab, await pageWithTraceparent(`00-${hex(16)}-${hex(8)}-01`));
  assert.ok(next);
  assert.deepEqual(
    receiver.spans.filter((span) => span.traceId === traceId).map((span) => span.name),
    [],
  );
  await closeProfile(profile);
});

test('the session id is the same across loads and clicks in one profile, another in a new one, and never sent to the server', async () => {
  const profile = await newProfile();
  const tab = await profile.context.newPage();
  const sessionId = await loadSession(tab);
  const clickSpans = async () => {
    const traceId = await clickSayHello(tab);
    // The fetch span ends about 300 ms after its answer: it must have left before the page does.
    return traceSpans(traceId, ['StartRequests', 'GET', 'HelloHandler']);
  };
  const clicks = [await clickSpans()];
  assert.equal(await loadSession(tab), sessionId, 'a reload keeps the session');
  clicks.push(await clickSpans());
  for (const spans of clicks) {
    for (const span of spans.filter((s) => s.service === 'hello-web')) {
      assert.equal(span.attributes['session.id'], sessionId, `${span.name} is in the session`);
    }
    // The server got no session id, and so could not record one.
    for (const span of spans.filter((s) => s.service === 'hello-server')) {
      assert.ok(!JSON.stringify(span.attributes).includes(sessionId), `${span.name} has the session id`);
    }
  }

  const other = await newProfile();
  const otherSession = await loadSession(await other.context.newPage());
  assert.notEqual(otherSession, sessionId, 'another browser profile has its own session');

  const hellos = proxy.requests.filter((request) => request.method === 'GET' && request.url.startsWith('/hello'));
  assert.ok(hellos.length >= 2, `the server got ${hellos.length} requests`);
  for (const { url, headers } of proxy.requests) {
    for (const id of [sessionId, otherSession]) {
      assert.ok(!url.includes(id), `the session id in ${url}`);
      for (const [name, value] of Object.entries(headers)) {
        assert.ok(!String(value).includes(id), `the session id in the ${name} header`);
      }
    }
  }
  for (const { headers } of hellos) {
    assert.equal(headers.baggage, 'name=GoFrame', `the baggage is the name alone: ${JSON.stringify(headers)}`);
  }
  await closeProfile(other);
  await closeProfile(profile);
});

test('the session survives a reload, and a reload after the inactivity timeout starts a new one', async () => {
  const profile = await newProfile();
  const tab = await profile.context.newPage();
  const sessionId = await loadSession(tab);
  assert.equal(await loadSession(tab), sessionId);
  // Away from the page (no page runs the manager's own timer), longer than the inactivity timeout.
  await tab.goto('about:blank');
  await sleep((INACTIVITY_TIMEOUT_S + 1) * 1000);
  assert.notEqual(await loadSession(tab), sessionId, 'the idle session has ended');
  await closeProfile(profile);
});

/** Waits for the pageError spans whose exception message `matches`. */
function errorSpans(matches: RegExp, count: number): Promise<ReceivedSpan[]> {
  const found = (spans: ReceivedSpan[]) =>
    spans.filter(
      (span) => span.name === 'pageError' && matches.test(String(span.events[0]?.attributes['exception.message'])),
    );
  return receiver.waitFor((spans) => found(spans).length >= count).then(found);
}

test('an uncaught error and an unhandled rejection each arrive as a pageError span in the session', async () => {
  const profile = await newProfile();
  const tab = await profile.context.newPage();
  const sessionId = await loadSession(tab);
  const marker = hex(4);
  // Playwright hears of an uncaught error over CDP on its own schedule, sometimes after the span arrived.
  const uncaught = Promise.all(
    ['thrown', 'rejected'].map((verb) =>
      tab.waitForEvent('pageerror', { predicate: (error) => error.message.includes(`${verb} ${marker}`) }),
    ),
  );
  await tab.evaluate((tag) => {
    setTimeout(() => {
      throw new RangeError(`thrown ${tag}`);
    });
    void Promise.reject(new TypeError(`rejected ${tag}`));
  }, marker);
  const spans = await errorSpans(new RegExp(marker), 2);
  assert.equal(spans.length, 2);
  for (const [type, event] of [
    ['RangeError', 'error'],
    ['TypeError', 'unhandledrejection'],
  ]) {
    const span = spans.find((s) => s.events[0].attributes['exception.type'] === type);
    assert.ok(span, `no pageError span of the ${type}`);
    assert.equal(span.attributes['session.id'], sessionId);
    assert.equal(span.attributes['app.error.event'], event);
    assert.equal(span.attributes['app.errors.dropped'], undefined);
    assert.equal(span.status.code, StatusCode.ERROR);
    assert.match(span.status.message, new RegExp(`^${type}: (thrown|rejected) ${marker}$`));
    assert.equal(span.events[0].name, 'exception');
    assert.match(String(span.events[0].attributes['exception.stacktrace']), new RegExp(`${type}: .*${marker}`));
  }
  await assert.doesNotReject(uncaught, 'the page must leave both errors uncaught');
  await closeProfile(profile);
});

test('a burst of 1,000 errors sends 10, and the next error sent carries the count dropped', async () => {
  const profile = await newProfile();
  const tab = await profile.context.newPage();
  await loadSession(tab);
  const marker = hex(4);
  await tab.evaluate((tag) => {
    for (let i = 0; i < 1000; i++) {
      setTimeout(() => {
        throw new Error(`flood ${tag} ${i}`);
      });
    }
  }, marker);
  const flood = await errorSpans(new RegExp(`^flood ${marker}`), 10);
  // The budget gives one more error every 6 s.
  await sleep(6_500);
  await tab.evaluate((tag) => {
    setTimeout(() => {
      throw new Error(`after the flood ${tag}`);
    });
  }, marker);
  const [next] = await errorSpans(new RegExp(`^after the flood ${marker}`), 1);
  assert.equal(next.attributes['app.errors.dropped'], 990);
  assert.equal((await errorSpans(new RegExp(`^flood ${marker}`), 10)).length, 10, 'no more than the cap were sent');
  assert.ok(flood.every((span) => span.attributes['app.errors.dropped'] === undefined));
  await closeProfile(profile);
});

test("the page draws the page load's trace from the real Jaeger, first in its list", { timeout: 120_000 }, async () => {
  const pagePort = await freePort();
  const pipeline = await startPipeline(pagePort);
  const served = await servePage(
    pagePort,
    {
      VITE_SERVER_URL: proxy.url,
      VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${pipeline.collector.browserUrl}/v1/traces`,
      VITE_JAEGER_UI_URL: pipeline.jaeger.url,
    },
    { JAEGER_QUERY_URL: pipeline.jaeger.url, OTEL_EXPORTER_OTLP_ENDPOINT: pipeline.collector.url },
  );
  const profile = await newProfile();
  try {
    const tab = await profile.context.newPage();
    await tab.goto(served.ready[1]);
    const traceId = await pageLoadTraceId(tab);
    await waitForWaterfall(tab, 30_000);
    assert.equal(await tab.getByRole('heading', { name: 'Trace of this page load' }).count(), 1);
    const rows = await tab.getByTestId('span-row').locator('.span-name').allTextContents();
    assert.deepEqual(
      rows.slice(0, 2),
      ['GET /', 'documentLoad'],
      "the page server's span is the first bar, documentLoad under it",
    );
    assert.ok(rows.includes('documentFetch') && rows.includes('resourceFetch'), rows.join(', '));
    const spans = await traceFromJaeger(pipeline.jaeger.url, traceId, PAGE_LOAD_SPANS);
    assert.equal(rows.length, spans.length, 'one bar per span');
    // Searching Jaeger for the session's tag finds this page load's trace.
    const sessionId = String(only(spans, 'hello-web', 'documentLoad').attributes['session.id']);
    const search = new URLSearchParams({
      service: 'hello-web',
      tags: JSON.stringify({ 'session.id': sessionId }),
      lookback: '1h',
      limit: '20',
    });
    const found = (await (await fetch(`${pipeline.jaeger.url}/api/traces?${search}`)).json()) as {
      data: { traceID: string }[];
    };
    assert.deepEqual(
      found.data.map((trace) => trace.traceID),
      [traceId],
      "Jaeger's search for the session.id tag finds the session's one trace",
    );
    assert.match(
      (await tab.getByTestId('history').getByRole('listitem').first().textContent()) ?? '',
      /^This page load/,
    );
    await closeProfile(profile);
  } finally {
    await profile.context.close();
    await served.dispose();
    await pipeline.stop();
  }
});
