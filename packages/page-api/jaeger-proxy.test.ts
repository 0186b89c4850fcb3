import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test, type TestContext } from 'node:test';
import { clientKeys } from '@hello-trace/edge/client';
import { ClientRate } from '@hello-trace/edge/rate';
import { RefusalLog } from '@hello-trace/edge/refusals';
import { jaegerProxy, MAX_ANSWER_BYTES, MAX_READS, type JaegerProxyOptions } from './jaeger-proxy.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const MISSING_ID = 'f'.repeat(32);
const INVALID_JSON_ID = 'a'.repeat(32);
const BROKEN_OFF_ID = 'b'.repeat(32);
const FAILING_ID = 'c'.repeat(32);
/** A trace of 100 MB, generated as Jaeger streams it: no Content-Length. */
const HUGE_ID = 'd'.repeat(32);
const HUGE_BYTES = 100 * 1024 * 1024;
/** Bytes of the huge trace that the stand-in could write before its answer was cancelled. */
let hugeBytesWritten = 0;
/** A trace whose answer waits until `releaseSlow` is called. */
const SLOW_ID = 'e'.repeat(32);
let releaseSlow: () => void = () => {};
let slowAnswers = Promise.resolve();

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// What the Jaeger image serves at / (its UI's index.html, shortened), and what a Jaeger built from
// Go modules serves there and at every other UI route instead (its placeholder page, shortened).
const JAEGER_UI_PAGE =
  '<!doctype html><html lang="en"><head><title>Jaeger UI</title></head><body><div id="jaeger-ui-root"></div></body></html>';
const PLACEHOLDER_PAGE = `<!DOCTYPE html><html lang="en"><title>Test Page</title><body>
<h1>🥋: This is not the Jaeger UI you are looking for!</h1>
<p>This is a placeholder for the Jaeger UI home page. If you are seeing this, you are running a binary that was not compiled with the UI assets.</p>
</body></html>`;

// Stands in for Jaeger's query API: one known trace, one answered with invalid JSON, one whose
// answer breaks off, one that fails; records what the proxy asked for. At / it serves `page`.
const jaegerRequests: string[] = [];
function standInJaeger(page: string): Server {
  return createServer((request, response) => {
    jaegerRequests.push(request.url ?? '');
    if (request.url === `/api/v3/traces/${TRACE_ID}`) {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"result":{"resourceSpans":[]}}');
    } else if (request.url === `/api/v3/traces/${INVALID_JSON_ID}`) {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('<html>not JSON</html>');
    } else if (request.url === `/api/v3/traces/${BROKEN_OFF_ID}`) {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      response.write('{"result":', () => response.destroy());
    } else if (request.url === `/api/v3/traces/${HUGE_ID}`) {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const piece = Buffer.alloc(64 * 1024, ' ');
      response.write('{"result":');
      hugeBytesWritten = 10;
      const more = () => {
        while (hugeBytesWritten < HUGE_BYTES && !response.destroyed) {
          hugeBytesWritten += piece.length;
          if (!response.write(piece)) return void response.once('drain', more);
        }
        response.end('}');
      };
      more();
    } else if (request.url === `/api/v3/traces/${SLOW_ID}`) {
      void slowAnswers.then(() =>
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"result":{"resourceSpans":[]}}'),
      );
    } else if (request.url === `/api/v3/traces/${FAILING_ID}`) {
      response.writeHead(503, { 'Content-Type': 'text/plain' }).end('storage is not ready');
    } else if (request.url === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
    } else {
      response.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":{"httpCode":404}}');
    }
  });
}
const jaeger = standInJaeger(JAEGER_UI_PAGE);
const uilessJaeger = standInJaeger(PLACEHOLDER_PAGE);

/** What the proxies reported: each refusal or failure, with what happened. */
const reported: string[] = [];

function proxyTo(jaegerUrl: string, options: Partial<JaegerProxyOptions> = {}): Server {
  const askJaeger = jaegerProxy({ jaegerUrl, report: (kind) => void reported.push(kind), ...options });
  return createServer((request, response) => {
    askJaeger(request, response).then(
      (handled) => void (handled || response.writeHead(418).end('not the proxy')),
      (error: unknown) => void response.writeHead(500).end(`the proxy threw: ${String(error)}`),
    );
  });
}

let proxy: Server;
let proxyUrl: string;
let proxyJaegerUrl: string;
let uilessProxy: Server;
let uilessProxyUrl: string;
let deadProxy: Server;
let deadProxyUrl: string;
let deadJaegerUrl: string;

before(async () => {
  proxyJaegerUrl = await listen(jaeger);
  proxyUrl = await listen((proxy = proxyTo(proxyJaegerUrl)));
  uilessProxyUrl = await listen((uilessProxy = proxyTo(await listen(uilessJaeger))));
  const closed = createServer();
  deadJaegerUrl = await listen(closed);
  closed.close();
  deadProxyUrl = await listen((deadProxy = proxyTo(deadJaegerUrl)));
});

after(() => {
  for (const server of [jaeger, proxy, uilessJaeger, uilessProxy, deadProxy]) {
    server.closeAllConnections();
    server.close();
  }
});

test('passes a trace through from Jaeger API v3', async () => {
  const response = await fetch(`${proxyUrl}/api/traces/${TRACE_ID}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.deepEqual(await response.json(), { result: { resourceSpans: [] } });
  assert.equal(jaegerRequests.at(-1), `/api/v3/traces/${TRACE_ID}`);
});

test('a trace Jaeger does not have yet is a trace without spans, not an error', async () => {
  const response = await fetch(`${proxyUrl}/api/traces/${MISSING_ID}`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { result: { resourceSpans: [] } });
  assert.equal(jaegerRequests.at(-1), `/api/v3/traces/${MISSING_ID}`);
});

test('refuses anything but 32 lowercase hex digits, without asking Jaeger', async () => {
  const asked = jaegerRequests.length;
  for (const id of [
    '',
    TRACE_ID.toUpperCase(),
    TRACE_ID.slice(1),
    `${TRACE_ID}0`,
    '0'.repeat(32),
    `${TRACE_ID.slice(0, 31)}g`,
    '%2e%2e%2fapi%2fservices',
    `${TRACE_ID}%00`,
    `${TRACE_ID}?x=1`.replace('?', '%3F'),
  ]) {
    const response = await fetch(`${proxyUrl}/api/traces/${id}`);
    assert.equal(response.status, 400, id);
    assert.deepEqual(
      await response.json(),
      { error: 'a trace id is 32 lowercase hexadecimal digits, not all zero' },
      id,
    );
  }
  assert.equal(jaegerRequests.length, asked);
});

test('only GET', async () => {
  const response = await fetch(`${proxyUrl}/api/traces/${TRACE_ID}`, { method: 'DELETE' });
  assert.equal(response.status, 405);
});

test('says Jaeger serves its UI when the page at / mounts the Jaeger UI', async () => {
  const response = await fetch(`${proxyUrl}/api/jaeger-ui`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.deepEqual(await response.json(), { ui: true });
  assert.equal(jaegerRequests.at(-1), '/');
});

test('says why there is no UI when Jaeger serves its placeholder page instead', async () => {
  const response = await fetch(`${uilessProxyUrl}/api/jaeger-ui`);
  assert.equal(response.status, 200);
  const answer = (await response.json()) as { ui: boolean; reason: string };
  assert.equal(answer.ui, false);
  assert.match(
    answer.reason,
    /^This Jaeger was built without its UI, as a build from Go modules is \(the modules carry none\)/,
  );
  // Its query API still answers: the trace itself passes through as before.
  assert.equal((await fetch(`${uilessProxyUrl}/api/traces/${TRACE_ID}`)).status, 200);
});

test('with Jaeger down, the question about its UI is a 502 that says so, not an answer', async () => {
  const response = await fetch(`${deadProxyUrl}/api/jaeger-ui`);
  assert.equal(response.status, 502);
  const { error } = (await response.json()) as { error: string };
  assert.match(error, /^Jaeger is not reachable \(ECONNREFUSED\)/);
  assert.equal((await fetch(`${proxyUrl}/api/jaeger-ui`, { method: 'POST' })).status, 405);
});

test('leaves every other path to the page server', async () => {
  for (const path of ['/', '/api/trace/x', '/api', '/api/jaeger-ui/x', '/api/jaeger', '/assets/index.js']) {
    assert.equal((await fetch(`${proxyUrl}${path}`)).status, 418, path);
  }
});

test('with Jaeger down it answers 502 and says what to do, naming no address; the report names it', async () => {
  const response = await fetch(`${deadProxyUrl}/api/traces/${TRACE_ID}`);
  assert.equal(response.status, 502);
  const { error } = (await response.json()) as { error: string };
  assert.match(error, /^Jaeger is not reachable \(ECONNREFUSED\)\. Start the whole stack with "npm start"/);
  assert.match(error, /JAEGER_QUERY_URL/);
  assert.doesNotMatch(error, /127\.0\.0\.1/);
  assert.equal(reported.at(-1), `502 GET /api/traces/: Jaeger at ${deadJaegerUrl} not reachable (ECONNREFUSED)`);
});

test('invalid JSON from Jaeger is a 502 that says so and what to check', async () => {
  const response = await fetch(`${proxyUrl}/api/traces/${INVALID_JSON_ID}`);
  assert.equal(response.status, 502);
  const { error } = (await response.json()) as { error: string };
  assert.match(
    error,
    new RegExp(`^Jaeger answered trace ${INVALID_JSON_ID} with something other than JSON\\. Is JAEGER_QUERY_URL`),
  );
});

test('an answer from Jaeger that breaks off is a 502 that says so', async () => {
  const response = await fetch(`${proxyUrl}/api/traces/${BROKEN_OFF_ID}`);
  assert.equal(response.status, 502);
  const { error } = (await response.json()) as { error: string };
  assert.match(error, new RegExp(`^Jaeger broke off its answer for trace ${BROKEN_OFF_ID} \\(`));
});

test("any other error from Jaeger is a 502 with Jaeger's status", async () => {
  const response = await fetch(`${proxyUrl}/api/traces/${FAILING_ID}`);
  assert.equal(response.status, 502);
  assert.deepEqual(await response.json(), {
    error: `Jaeger answered 503 Service Unavailable for trace ${FAILING_ID}.`,
  });
});

/** A proxy of its own in front of the stand-in Jaeger, with `options`; stopped after the test. */
async function ownProxy(t: TestContext, options: Partial<JaegerProxyOptions> = {}): Promise<string> {
  const own = proxyTo(proxyJaegerUrl, options);
  t.after(() => {
    own.closeAllConnections();
    own.close();
  });
  return listen(own);
}

test(`an answer over the cap (${MAX_ANSWER_BYTES} bytes) is a 502 that names it, read no further than the cap`, async (t) => {
  const url = await ownProxy(t);
  const response = await fetch(`${url}/api/traces/${HUGE_ID}`);
  assert.equal(response.status, 502);
  assert.deepEqual(await response.json(), {
    error: `trace ${HUGE_ID} is larger than the ${MAX_ANSWER_BYTES} bytes the page server reads from Jaeger: open it in Jaeger instead.`,
  });
  assert.equal(reported.at(-1), `502 GET /api/traces/: an answer over ${MAX_ANSWER_BYTES} bytes`);
  // The rest of the answer was cancelled: Jaeger wrote little more than the cap, and its socket buffers.
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(hugeBytesWritten < MAX_ANSWER_BYTES + 16 * 1024 * 1024, `Jaeger wrote ${hugeBytesWritten} bytes`);
  // A smaller cap, and an answer that announces its length: refused before a byte is read.
  const small = await ownProxy(t, { maxAnswerBytes: 20 });
  assert.equal((await fetch(`${small}/api/traces/${TRACE_ID}`)).status, 502);
  assert.equal((await fetch(`${url}/api/traces/${TRACE_ID}`)).status, 200, 'still serving');
});

test(`at most ${MAX_READS} reads from Jaeger at once; past them a 503 with Retry-After, and the reads still finish`, async (t) => {
  const url = await ownProxy(t);
  slowAnswers = new Promise((resolve) => (releaseSlow = resolve));
  t.after(() => releaseSlow());
  const held = Array.from({ length: MAX_READS }, () => fetch(`${url}/api/traces/${SLOW_ID}`));
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const path of [`/api/traces/${TRACE_ID}`, '/api/jaeger-ui']) {
    const refused = await fetch(`${url}${path}`);
    assert.equal(refused.status, 503, path);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.deepEqual(await refused.json(), {
      error: 'the page server is reading too many traces at once: try again in 1 s',
    });
  }
  assert.equal(reported.at(-1), `503 GET /api/jaeger-ui: ${MAX_READS} reads from Jaeger at once already`);
  releaseSlow();
  for (const response of await Promise.all(held)) assert.equal(response.status, 200);
  assert.equal((await fetch(`${url}/api/traces/${TRACE_ID}`)).status, 200);
});

test('past its rate a client gets 429 with Retry-After, before Jaeger is asked', async (t) => {
  const refusals = new RefusalLog('test');
  const rate = new ClientRate(
    'GET /api/',
    { perClient: 2, burst: 2, total: 100 },
    {
      clientKey: clientKeys(undefined),
      refusals,
    },
  );
  const url = await ownProxy(t, { rate });
  assert.equal((await fetch(`${url}/api/traces/${TRACE_ID}`)).status, 200);
  assert.equal((await fetch(`${url}/api/jaeger-ui`)).status, 200);
  const asked = jaegerRequests.length;
  const refused = await fetch(`${url}/api/traces/${TRACE_ID}`);
  assert.equal(refused.status, 429);
  assert.match(refused.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  assert.match(((await refused.json()) as { error: string }).error, /^too many requests from this client/);
  assert.equal(jaegerRequests.length, asked);
});
