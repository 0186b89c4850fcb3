// The real page server with its tracing preload, serving the built page and exporting OTLP/protobuf
// to a receiver the test runs: each document request is a SERVER span of its own trace, named in
// the document's `<meta name="traceparent">` and in Server-Timing, whatever the request carries.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { memoryMiB } from '@hello-trace/harness/testing/load';
import { OtlpReceiver, SpanKind, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import { buildPage, startPageServer } from '@hello-trace/harness/testing/page';
import { freePort, type RunningProcess } from '@hello-trace/harness/testing/processes';
import { sendRaw } from '@hello-trace/harness/testing/raw-request';

const FOREIGN_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const FOREIGN_SPAN_ID = 'b7ad6b7169203331';
const META = /<meta name="traceparent" content="(00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2}))" \/>/;

let receiver: OtlpReceiver;
let pageDir: string;
let built: string;
let pageServer: RunningProcess;
let port: number;

before(async () => {
  receiver = new OtlpReceiver();
  await receiver.start();
  pageDir = await buildPage({});
  built = await readFile(join(pageDir, 'index.html'), 'utf8');
  port = await freePort();
  pageServer = await startPageServer(pageDir, port, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    // No Jaeger here: the page's questions to it are answered 502, untraced.
    JAEGER_QUERY_URL: `http://127.0.0.1:${await freePort()}`,
  });
});

after(async () => {
  await pageServer?.stop();
  await receiver?.stop();
  if (pageDir) await rm(pageDir, { recursive: true, force: true });
});

const send = (method: string, path: string, headers: Record<string, string> = {}, toPort = port) =>
  sendRaw(toPort, method, path, headers);

/** The traceparent the document names, split into its parts; fails when the tag is missing. */
function metaOf(html: string) {
  const [, traceparent, traceId, spanId, flags] = html.match(META) ?? [];
  assert.ok(traceparent, `no traceparent meta tag in:\n${html}`);
  return { traceparent, traceId, spanId, flags };
}

/** The document with its traceparent value blanked out. */
function withoutTraceparentValue(html: string): string {
  return html.replace(META, '<meta name="traceparent" content="…" />');
}

/** The page server's span with this id, once it has arrived. */
async function spanWithId(spanId: string): Promise<ReceivedSpan> {
  const spans = await receiver.waitFor((all) => all.some((span) => span.spanId === spanId));
  return spans.find((span) => span.spanId === spanId)!;
}

test('a document request is a SERVER span of hello-page, named in the meta tag and in Server-Timing, never cached', async () => {
  const answer = await send('GET', '/');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['cache-control'], 'no-store');
  assert.equal(answer.headers['content-type'], 'text/html; charset=utf-8');
  const { traceparent, traceId, spanId, flags } = metaOf(answer.body);
  assert.equal(flags, '01');
  assert.equal(answer.headers['server-timing'], `traceparent;desc="${traceparent}"`);
  assert.equal(answer.headers.traceresponse, traceparent);
  // Only the traceparent: instrumentation-document-load reads no tracestate from the page.
  assert.equal(answer.body.match(/<meta name="trace/g)?.length, 1);

  const span = await spanWithId(spanId);
  assert.equal(span.service, 'hello-page');
  assert.equal(span.kind, SpanKind.SERVER);
  assert.equal(span.name, 'GET /');
  assert.equal(span.traceId, traceId);
  assert.equal(span.parentSpanId, '', 'the root of the page load');
  assert.equal(span.scope, '@opentelemetry/instrumentation-http');
  const { 'network.peer.port': peerPort, ...attributes } = span.attributes;
  assert.ok(Number.isInteger(peerPort), `network.peer.port ${String(peerPort)}`);
  assert.deepEqual(attributes, {
    'http.request.method': 'GET',
    'url.scheme': 'http',
    'url.path': '/',
    'server.address': '127.0.0.1',
    'server.port': port,
    'client.address': '127.0.0.1',
    'network.peer.address': '127.0.0.1',
    'network.protocol.version': '1.1',
    'http.route': '/',
    'http.response.status_code': 200,
  });

  // A reload, under either name of the document, is a trace of its own.
  const reload = metaOf((await send('GET', '/index.html')).body);
  assert.notEqual(reload.traceId, traceId);
  assert.equal((await spanWithId(reload.spanId)).name, 'GET /');
  const head = await send('HEAD', '/');
  assert.equal(head.body, '');
  assert.equal(head.headers['cache-control'], 'no-store');
  assert.match(String(head.headers['server-timing']), /^traceparent;desc="00-[0-9a-f]{32}-[0-9a-f]{16}-01"$/);
});

test("a visitor's traceparent never reaches the document: each load starts a fresh, sampled trace", async () => {
  const hostile = [
    ['a valid foreign one', `00-${FOREIGN_TRACE_ID}-${FOREIGN_SPAN_ID}-01`],
    ['a foreign unsampled one', `00-${FOREIGN_TRACE_ID}-${FOREIGN_SPAN_ID}-00`],
    ['a future version', `cc-${FOREIGN_TRACE_ID}-${FOREIGN_SPAN_ID}-01-extra`],
    ['all zeros', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`],
    ['malformed', '00-xyz-"><script>alert(1)</script>-01'],
    ['very long', `00-${FOREIGN_TRACE_ID}-${FOREIGN_SPAN_ID}-01${'x'.repeat(12_000)}`],
  ];
  for (const [what, traceparent] of hostile) {
    const answer = await send('GET', '/', { traceparent, tracestate: 'foreign=1', baggage: 'name=foreign' });
    assert.equal(answer.status, 200, what);
    const meta = metaOf(answer.body);
    assert.notEqual(meta.traceId, FOREIGN_TRACE_ID, what);
    assert.equal(meta.flags, '01', what);
    assert.doesNotMatch(answer.body, /foreign|script>alert/, what);
    const span = await spanWithId(meta.spanId);
    assert.equal(span.traceId, meta.traceId, what);
    assert.equal(span.parentSpanId, '', what);
  }
  // Past Node's 16 KiB of headers, Node itself refuses the request.
  const oversized = await send('GET', '/', { traceparent: `00-${'a'.repeat(20_000)}` });
  assert.equal(oversized.status, 431);
});

test('a request path with markup or quotes in it cannot change the document, only its traceparent differs', async () => {
  const plain = (await send('GET', '/')).body;
  // The document is the built one with the tag before </head>, and nothing else.
  assert.equal(plain.replace(/ {2}<meta name="traceparent"[^\n]*\n {2}/, ''), built);
  for (const path of [
    '/?"><script>alert(1)</script>',
    "/?'onload='alert(1)",
    // A request target has no spaces: slashes separate the attributes instead, as HTML allows.
    `/index.html?<meta/name="traceparent"/content="00-${FOREIGN_TRACE_ID}-${FOREIGN_SPAN_ID}-01">`,
    '/?%22%3E%3Cscript%3Ealert(1)%3C/script%3E',
    '/%69ndex.html?</head><body>',
  ]) {
    const answer = await send('GET', path);
    assert.equal(answer.status, 200, path);
    assert.equal(withoutTraceparentValue(answer.body), withoutTraceparentValue(plain), path);
  }
});

test("a visitor's long query, user agent and forwarded address are kept to 1 KiB on the document's span", async () => {
  const long = 'a'.repeat(4000);
  const answer = await send('GET', `/?pad=${long}`, { 'user-agent': long, 'x-forwarded-for': long });
  assert.equal(answer.status, 200);
  const { attributes } = await spanWithId(metaOf(answer.body).spanId);
  assert.equal(attributes['url.query'], `pad=${long}`.slice(0, 1024));
  assert.equal(attributes['user_agent.original'], long.slice(0, 1024));
  assert.equal(attributes['client.address'], long.slice(0, 1024));
});

test('static files, health checks and the page’s questions make no spans, even with a traceparent', async () => {
  const asset = (await readdir(join(pageDir, 'assets')))[0];
  const traceparent = `00-${FOREIGN_TRACE_ID}-${FOREIGN_SPAN_ID}-01`;
  const seen = receiver.spans.length;
  for (const path of [
    `/assets/${asset}`,
    '/favicon.svg',
    '/missing.js',
    '/healthz',
    '/api/jaeger-ui',
    '/api/trace-wait',
    `/api/traces/${FOREIGN_TRACE_ID}`,
    '/api/traces/not-an-id',
  ]) {
    const answer = await send('GET', path, { traceparent });
    assert.ok(answer.status < 600, path);
    assert.equal(answer.headers['server-timing'], undefined, path);
    assert.equal(answer.headers.traceresponse, undefined, path);
  }
  assert.equal((await send('POST', '/', { traceparent })).status, 405);
  // A document request after them: its span comes in the same batch as theirs would, or a later one.
  const marker = metaOf((await send('GET', '/')).body);
  await spanWithId(marker.spanId);
  await sleep(1_000);
  // Only documents (this one, or an earlier test's arriving late) were traced.
  const others = receiver.spans.slice(seen).filter((span) => span.name !== 'GET /');
  assert.deepEqual(
    others.map((span) => `${span.name} ${String(span.attributes['url.path'])}`),
    [],
  );
});

test('an unsampled document names its span with flags 00, and no span is sent', async () => {
  const unsampledPort = await freePort();
  const unsampled = await startPageServer(pageDir, unsampledPort, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_TRACES_SAMPLER: 'always_off',
  });
  try {
    const seen = receiver.spans.length;
    // The standard variable keeps its meaning: it replaces the sampler that follows the session's cookie.
    const answer = await send('GET', '/', { cookie: 'otel-session-sampled=1' }, unsampledPort);
    assert.equal(answer.status, 200);
    assert.equal(metaOf(answer.body).flags, '00');
    await sleep(1_500);
    assert.equal(receiver.spans.length, seen);
  } finally {
    await unsampled.stop();
  }
});

test("a document follows its session's decision in the page's cookie; without one, VITE_SESSION_SAMPLE_RATIO decides", async () => {
  const noneKeptPort = await freePort();
  const noneKept = await startPageServer(pageDir, noneKeptPort, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    VITE_SESSION_SAMPLE_RATIO: '0',
  });
  try {
    const seen = receiver.spans.length;
    // A first visit: the ratio decides (here none kept, on the other page server every one).
    assert.equal(metaOf((await send('GET', '/', {}, noneKeptPort)).body).flags, '00');
    const firstVisit = metaOf((await send('GET', '/')).body);
    assert.equal(firstVisit.flags, '01');
    assert.equal((await spanWithId(firstVisit.spanId)).attributes['app.session.sampled'], undefined);
    // A session kept, among other cookies: kept at a ratio of 0; a session dropped: dropped at 1.
    const kept = metaOf((await send('GET', '/', { cookie: 'theme=dark; otel-session-sampled=1' }, noneKeptPort)).body);
    assert.equal(kept.flags, '01');
    const span = await spanWithId(kept.spanId);
    assert.equal(span.attributes['app.session.sampled'], true);
    assert.equal(span.parentSpanId, '');
    const dropped = metaOf((await send('GET', '/', { cookie: 'otel-session-sampled=0' })).body);
    assert.equal(dropped.flags, '00');
    await sleep(1_500);
    assert.deepEqual(
      receiver.spans
        .slice(seen)
        .map((received) => received.spanId)
        .toSorted(),
      [firstVisit.spanId, kept.spanId].toSorted(),
      'only the kept documents were sent',
    );
  } finally {
    await noneKept.stop();
  }
});

test('a hostile session cookie is no decision, the ratio decides, and what Node cannot parse is refused plainly', async () => {
  const noneKeptPort = await freePort();
  const noneKept = await startPageServer(pageDir, noneKeptPort, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    VITE_SESSION_SAMPLE_RATIO: '0',
  });
  try {
    for (const cookie of [
      'otel-session-sampled=1; otel-session-sampled=0',
      'otel-session-sampled=01',
      'otel-session-sampled="1"',
      'otel-session-sampled=1=1',
      'otel-session-sampled=true',
      'otel-session-sampled="><script>alert(1)</script>',
      `otel-session-sampled=1${'z'.repeat(12_000)}`,
      'OTEL-SESSION-SAMPLED=1',
    ]) {
      const answer = await send('GET', '/', { cookie }, noneKeptPort);
      assert.equal(answer.status, 200, cookie.slice(0, 60));
      assert.equal(metaOf(answer.body).flags, '00', cookie.slice(0, 60));
      assert.doesNotMatch(answer.body, /script>alert|zzzz/, cookie.slice(0, 60));
    }
    // Past 16 KiB of headers, and with a control character, Node refuses the request, in plain words.
    const oversized = await send('GET', '/', { cookie: `otel-session-sampled=${'1'.repeat(20_000)}` }, noneKeptPort);
    assert.deepEqual([oversized.status, oversized.body], [431, 'request headers too large\n']);
    const control = await new Promise<string>((resolve, reject) => {
      const socket = connect(noneKeptPort, '127.0.0.1', () =>
        socket.end('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: otel-session-sampled=1\x01\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
    });
    assert.match(control, /^HTTP\/1\.1 400 Bad Request\r\n[^]*\r\n\r\nmalformed request\n$/);
    assert.equal((await send('GET', '/', {}, noneKeptPort)).status, 200, 'still serving');
  } finally {
    await noneKept.stop();
  }
});

test('a malformed or missing VITE_SESSION_SAMPLE_RATIO stops the page server at once with one line naming it', async () => {
  for (const [ratio, said] of [
    ['50%', 'VITE_SESSION_SAMPLE_RATIO must be a ratio from 0 to 1 such as 0.25, got "50%"'],
    ['', 'VITE_SESSION_SAMPLE_RATIO is not set: .env at the repository root holds it'],
  ]) {
    await assert.rejects(
      startPageServer(pageDir, await freePort(), { VITE_SESSION_SAMPLE_RATIO: ratio }),
      (error: Error) => {
        assert.match(error.message, /exited with 1 before it was ready/);
        assert.ok(error.message.includes(`\nhello-page server cannot start: ${said}`), error.message);
        assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace');
        return true;
      },
    );
  }
});

test('without a collector the page is still served, and each batch given up is said in one plain line', async () => {
  const alonePort = await freePort();
  const deadCollector = `http://127.0.0.1:${await freePort()}`;
  const alone = await startPageServer(pageDir, alonePort, {
    OTEL_EXPORTER_OTLP_ENDPOINT: deadCollector,
    // The exporter gives a batch up within about 1 s, so that the test sees it.
    OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
  });
  try {
    const loads = 3;
    for (let load = 0; load < loads; load++) {
      const answer = await send('GET', '/', {}, alonePort);
      assert.equal(answer.status, 200);
      metaOf(answer.body);
    }
    const said = () =>
      alone
        .output()
        .split('\n')
        .filter((line) => line.startsWith('OpenTelemetry:'));
    for (let waited = 0; said().length === 0 && waited < 30_000; waited += 250) await sleep(250);
    await sleep(3_000);
    // One line per batch given up, and the loads went in one to three batches.
    assert.ok(said().length >= 1 && said().length <= loads, said().join('\n'));
    for (const line of said()) {
      assert.match(
        line,
        new RegExp(
          `^OpenTelemetry: connect ECONNREFUSED .*\\. Spans go to ${deadCollector}\\. Requests are still served\\.$`,
        ),
      );
    }
  } finally {
    await alone.stop();
  }
});

test(
  "a trace of 200 MB from Jaeger: a 502 that names the cap, the page server's memory bounded, and it still serves",
  { timeout: 120_000 },
  async (t) => {
    const TRACE_MIB = 200;
    const traceId = '5b8efff798038103d269b633813fc60c';
    // Jaeger's answer as it streams one: OTLP/JSON spans, each with a 1 KiB value, no Content-Length.
    const span = JSON.stringify({
      traceId,
      spanId: 'eee19b7ec3c1b174',
      name: 'GET /hello',
      attributes: [{ key: 'url.query', value: { stringValue: 'q'.repeat(1024) } }],
    });
    const spans = Buffer.from(Array.from({ length: 64 }, () => span).join(',') + ',');
    let written = 0;
    const jaeger = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write('{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[');
      const more = () => {
        while (written < TRACE_MIB * 1024 * 1024 && !response.destroyed) {
          written += spans.length;
          if (!response.write(spans)) return void response.once('drain', more);
        }
        response.end(`${span}]}]}]}}`);
      };
      more();
    });
    jaeger.listen(0, '127.0.0.1');
    await once(jaeger, 'listening');
    t.after(() => {
      jaeger.closeAllConnections();
      jaeger.close();
    });
    const ownPort = await freePort();
    const own = await startPageServer(pageDir, ownPort, {
      OTEL_TRACES_EXPORTER: 'none',
      JAEGER_QUERY_URL: `http://127.0.0.1:${(jaeger.address() as AddressInfo).port}`,
    });
    t.after(() => own.stop());
    await send('GET', '/', {}, ownPort);
    const atStart = await memoryMiB(own);
    const answer = await send('GET', `/api/traces/${traceId}`, {}, ownPort);
    const afterwards = await memoryMiB(own);
    console.log(
      `# a ${TRACE_MIB} MB trace: the page server's RSS ${atStart.rss.toFixed(0)} MiB before, peak ${afterwards.peak.toFixed(0)} MiB; Jaeger wrote ${(written / 1024 / 1024).toFixed(0)} MiB of it`,
    );
    assert.equal(answer.status, 502);
    assert.equal(
      JSON.parse(answer.body).error,
      `trace ${traceId} is larger than the 4194304 bytes the page server reads from Jaeger: open it in Jaeger instead.`,
    );
    assert.ok(
      afterwards.peak - atStart.rss < 64,
      `the page server grew from ${atStart.rss.toFixed(0)} to ${afterwards.peak.toFixed(0)} MiB`,
    );
    assert.equal((await send('GET', '/', {}, ownPort)).status, 200, 'still serving');
  },
);
