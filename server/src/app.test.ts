import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { clientKeys } from '@hello-trace/edge/client';
import { ClientRate, type Rate } from '@hello-trace/edge/rate';
import { RefusalLog } from '@hello-trace/edge/refusals';
import { createApp } from './app.ts';

const PAGE = 'http://localhost:5173';
let server: Server;
let baseUrl: string;

/** The app on a free port with this rate for GET /hello; stopped after the tests. */
async function startApp(rate: Rate): Promise<{ server: Server; baseUrl: string }> {
  const refusals = new RefusalLog('hello-server');
  const clientKey = clientKeys(undefined);
  const app = createApp({
    allowedOrigins: [PAGE],
    greeterUrl: 'http://127.0.0.1:1',
    helloRate: new ClientRate('GET /hello', rate, { clientKey, refusals }),
    report: (kind, request) => refusals.count(kind, clientKey(request)),
  });
  const started = createServer(app).listen(0, '127.0.0.1');
  await once(started, 'listening');
  return { server: started, baseUrl: `http://127.0.0.1:${(started.address() as AddressInfo).port}` };
}

before(async () => {
  ({ server, baseUrl } = await startApp({ perClient: 1000, burst: 1000, total: 1000 }));
});

after(() => {
  server.closeAllConnections();
  server.close();
});

test('GET /hello answers plain text that the browser must not sniff', async () => {
  const response = await fetch(`${baseUrl}/hello`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  // Made for its caller: a browser must ask again on every click, never answer from its cache.
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(response.headers.get('etag'), null);
  // Without the tracing preload there is no baggage to read.
  assert.equal(await response.text(), 'hello:');
});

test('the preflight from the page allows the trace headers and is cached', async () => {
  const response = await fetch(`${baseUrl}/hello`, {
    method: 'OPTIONS',
    headers: {
      Origin: PAGE,
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'traceparent,tracestate,baggage',
    },
  });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get('access-control-allow-origin'), PAGE);
  assert.equal(response.headers.get('access-control-allow-headers'), 'traceparent,tracestate,baggage');
  assert.equal(response.headers.get('access-control-max-age'), '600');
});

test('the page gets CORS and timing access to the answer, and may read the trace headers', async () => {
  const response = await fetch(`${baseUrl}/hello`, { headers: { Origin: PAGE } });
  assert.equal(response.headers.get('access-control-allow-origin'), PAGE);
  assert.equal(response.headers.get('timing-allow-origin'), PAGE);
  assert.equal(response.headers.get('access-control-expose-headers'), 'traceresponse,Server-Timing');
});

test('scenarios: slow takes about 300 ms, failing answers 500 in plain text, others are refused', async () => {
  const started = performance.now();
  const slow = await fetch(`${baseUrl}/hello?scenario=slow`);
  assert.equal(slow.status, 200);
  assert.ok(performance.now() - started >= 290, 'slow answers after its wait');
  assert.match(slow.headers.get('server-timing') ?? '', /app;dur=\d+/);

  const failing = await fetch(`${baseUrl}/hello?scenario=failing`);
  assert.equal(failing.status, 500);
  assert.equal(failing.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await failing.text(), 'error: simulated failure (scenario=failing)');

  for (const query of ['scenario=fast', 'scenario=%3Cscript%3E', 'scenario=slow&scenario=failing', 'scenario=']) {
    const refused = await fetch(`${baseUrl}/hello?${query}`);
    assert.equal(refused.status, 400, query);
    assert.equal(await refused.text(), 'unknown scenario: use one of normal, slow, failing, downstream');
  }
});

test('other origins get neither CORS nor timing access', async () => {
  for (const origin of ['http://127.0.0.1:5173', 'http://evil.example', 'null']) {
    const preflight = await fetch(`${baseUrl}/hello`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null, origin);
    const response = await fetch(`${baseUrl}/hello`, { headers: { Origin: origin } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), null, origin);
    assert.equal(response.headers.get('timing-allow-origin'), null, origin);
  }
});

test('unknown paths and methods get a plain-text 404', async () => {
  for (const [method, path] of [
    ['GET', '/'],
    ['POST', '/hello'],
    ['DELETE', '/hello'],
  ] as const) {
    const response = await fetch(`${baseUrl}${path}`, { method });
    assert.equal(response.status, 404, `${method} ${path}`);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
  }
});

test("the app's rate on GET /hello: past a client's burst 429 with Retry-After, still readable by the page", async (t) => {
  const limited = await startApp({ perClient: 2, burst: 3, total: 100 });
  t.after(() => {
    limited.server.closeAllConnections();
    limited.server.close();
  });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await fetch(`${limited.baseUrl}/hello`)).status);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  const refused = await fetch(`${limited.baseUrl}/hello`, { headers: { Origin: PAGE } });
  assert.equal(refused.status, 429);
  assert.match(refused.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  assert.equal(refused.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(refused.headers.get('access-control-allow-origin'), PAGE);
  assert.match(await refused.text(), /^too many requests from this client: try again in \d+ s$/);
  // The health check has no rate.
  assert.equal((await fetch(`${limited.baseUrl}/healthz`)).status, 200);
});
