import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createApp } from './app.ts';

const PAGE = 'http://localhost:5173';
let server: Server;
let baseUrl: string;

before(async () => {
  server = createServer(createApp([PAGE], 'http://127.0.0.1:1')).listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
