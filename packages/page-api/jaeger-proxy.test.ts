import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { handleJaegerRequest } from './jaeger-proxy.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const MISSING_ID = 'f'.repeat(32);
const INVALID_JSON_ID = 'a'.repeat(32);
const BROKEN_OFF_ID = 'b'.repeat(32);
const FAILING_ID = 'c'.repeat(32);

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

function proxyTo(jaegerUrl: string): Server {
  return createServer((request, response) => {
    handleJaegerRequest(request, response, jaegerUrl).then(
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
  assert.match(error, new RegExp(`^Jaeger is not reachable at ${deadJaegerUrl} \\(ECONNREFUSED\\)`));
  assert.equal((await fetch(`${proxyUrl}/api/jaeger-ui`, { method: 'POST' })).status, 405);
});

test('leaves every other path to the page server', async () => {
  for (const path of ['/', '/api/trace/x', '/api', '/api/jaeger-ui/x', '/api/jaeger', '/assets/index.js']) {
    assert.equal((await fetch(`${proxyUrl}${path}`)).status, 418, path);
  }
});

test('with Jaeger down it answers 502 and says what to do', async () => {
  const response = await fetch(`${deadProxyUrl}/api/traces/${TRACE_ID}`);
  assert.equal(response.status, 502);
  const { error } = (await response.json()) as { error: string };
  assert.match(
    error,
    new RegExp(
      `^Jaeger is not reachable at ${deadJaegerUrl} \\(ECONNREFUSED\\)\\. Start the whole stack with "npm start"`,
    ),
  );
  assert.match(error, /JAEGER_QUERY_URL/);
});

test('invalid JSON from Jaeger is a 502 that says so and what to check', async () => {
  const response = await fetch(`${proxyUrl}/api/traces/${INVALID_JSON_ID}`);
  assert.equal(response.status, 502);
  const { error } = (await response.json()) as { error: string };
  assert.match(
    error,
    new RegExp(
      `^Jaeger at ${proxyJaegerUrl} answered trace ${INVALID_JSON_ID} with invalid JSON \\(.+\\)\\. Is JAEGER_QUERY_URL`,
    ),
  );
});

test('an answer from Jaeger that breaks off is a 502 that says so', async () => {
  const response = await fetch(`${proxyUrl}/api/traces/${BROKEN_OFF_ID}`);
  assert.equal(response.status, 502);
  const { error } = (await response.json()) as { error: string };
  assert.match(error, new RegExp(`^Jaeger at ${proxyJaegerUrl} broke off its answer for trace ${BROKEN_OFF_ID} \\(`));
});

test("any other error from Jaeger is a 502 with Jaeger's status", async () => {
  const response = await fetch(`${proxyUrl}/api/traces/${FAILING_ID}`);
  assert.equal(response.status, 502);
  assert.deepEqual(await response.json(), {
    error: `Jaeger at ${proxyJaegerUrl} answered 503 Service Unavailable for trace ${FAILING_ID}.`,
  });
});
