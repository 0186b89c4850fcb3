import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { clientKeys, trustedProxies } from '@hello-trace/edge/client';
import { RefusalLog } from '@hello-trace/edge/refusals';
import type { Subnet } from '@hello-trace/env';
import { sendOtlp } from '@hello-trace/harness/testing/raw-request';
import { MAX_BODY_BYTES, OTLP_TRACES_PATH, otlpRelay, relaySettings, type RelaySettings } from './otlp-relay.ts';

/** What a loopback collector stand-in received: one body per request. */
const received: Buffer[] = [];
/** The Content-Encoding of each body it received. */
const encodings: (string | undefined)[] = [];
/** Requests the stand-in saw begin, whole or not. */
let started = 0;
let collector: Server;
let collectorUrl: string;

before(async () => {
  collector = createServer(async (incoming, response) => {
    started++;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
    } catch {
      // The relay broke off a body over the cap: nothing arrived.
      return;
    }
    received.push(Buffer.concat(chunks));
    encodings.push(incoming.headers['content-encoding']);
    const refused = incoming.url !== OTLP_TRACES_PATH;
    response.writeHead(refused ? 404 : 200, { 'Content-Type': 'application/json' }).end(refused ? '{"no":1}' : '{}');
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
after(() => collector.close());

/** A page server with only the relay, `settings` over the defaults, behind `proxies`. */
async function startRelay(
  settings: Partial<RelaySettings> = {},
  { reportEveryMs, proxies = [] }: { reportEveryMs?: number; proxies?: Subnet[] } = {},
): Promise<{ url: string; close(): void }> {
  const relay = otlpRelay(
    { collectorUrl, rate: { perClient: 10, burst: 20, total: 200 }, ...settings },
    { clientKey: clientKeys(trustedProxies(proxies)), refusals: new RefusalLog('hello-page', { reportEveryMs }) },
  );
  const server = createServer(async (incoming, response) => {
    if (!(await relay(incoming, response))) response.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}

const send = sendOtlp;

test('an export streams through to the collector, and its answer comes back as it was', async (t) => {
  const relay = await startRelay();
  t.after(relay.close);
  received.length = 0;
  const body = JSON.stringify({ resourceSpans: [{ marker: 'x'.repeat(20_000) }] });
  const answer = await send(relay.url, { body, chunked: true });
  assert.equal(answer.status, 200);
  assert.equal(answer.body, '{}');
  assert.equal(answer.headers['content-type'], 'application/json');
  assert.deepEqual(
    received.map((got) => got.toString()),
    [body],
  );
});

test('a body over the cap is refused with 413, announced or streamed, and never reaches the collector whole', async (t) => {
  const relay = await startRelay();
  t.after(relay.close);
  received.length = 0;
  const body = 'x'.repeat(MAX_BODY_BYTES + 1);
  const startedBefore = started;
  const announced = await send(relay.url, { body });
  assert.equal(announced.status, 413);
  assert.match(announced.body, /at most 30000 bytes/);
  assert.equal(started, startedBefore, 'a body announced too large is refused before anything is forwarded');
  const streamed = await send(relay.url, { body, chunked: true });
  assert.equal(streamed.status, 413);
  assert.equal(
    received.some((got) => got.length > MAX_BODY_BYTES),
    false,
  );
  // Exactly the cap still goes through.
  assert.equal((await send(relay.url, { body: 'x'.repeat(MAX_BODY_BYTES), chunked: true })).status, 200);
});

test('only POST of OTLP JSON or protobuf', async (t) => {
  const relay = await startRelay();
  t.after(relay.close);
  const get = await send(relay.url, { method: 'GET' });
  assert.equal(get.status, 405);
  assert.equal(get.headers.allow, 'POST');
  assert.equal((await send(relay.url, { type: 'text/plain' })).status, 415);
  assert.equal((await send(relay.url, { type: 'application/x-protobuf' })).status, 200);
  assert.equal((await send(relay.url, { type: 'application/json; charset=utf-8' })).status, 200);
});

test('past the burst a client gets 429 with Retry-After, and another client address is not limited', async (t) => {
  const relay = await startRelay({ rate: { perClient: 2, burst: 4, total: 100 } });
  t.after(relay.close);
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await send(relay.url)).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  const refused = await send(relay.url);
  assert.equal(refused.status, 429);
  assert.match(refused.headers['retry-after'] ?? '', /^[1-9]\d*$/);
  assert.equal((await send(relay.url, { localAddress: '127.0.0.2' })).status, 200);
});

test('past the ceiling of all clients together a 503 with Retry-After, which a flooding client cannot use up alone', async (t) => {
  const relay = await startRelay({ rate: { perClient: 3, burst: 3, total: 5 } });
  t.after(relay.close);
  const flood = [];
  for (let i = 0; i < 10; i++) flood.push((await send(relay.url)).status);
  assert.deepEqual(flood, [200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
  assert.equal((await send(relay.url, { localAddress: '127.0.0.2' })).status, 200);
  assert.equal((await send(relay.url, { localAddress: '127.0.0.3' })).status, 200);
  const refused = await send(relay.url, { localAddress: '127.0.0.4' });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '1');
});

/** An export to the relay at `url` that says it was forwarded for `client`. */
const from = (url: string, client: string) => send(url, { headers: { 'X-Forwarded-For': client } });

test('behind a trusted proxy each client is its own X-Forwarded-For hop; without one, the header is ignored', async (t) => {
  const rate = { perClient: 2, burst: 2, total: 100 };
  const direct = await startRelay({ rate });
  t.after(direct.close);
  const behind = await startRelay({ rate }, { proxies: [{ address: '127.0.0.1', prefix: 32, family: 'ipv4' }] });
  t.after(behind.close);
  // The proxy at 127.0.0.1 speaks for two visitors: each has a rate of its own.
  assert.deepEqual(
    [
      await from(behind.url, '203.0.113.1'),
      await from(behind.url, '203.0.113.1'),
      await from(behind.url, '203.0.113.1'),
    ].map((answer) => answer.status),
    [200, 200, 429],
  );
  assert.equal((await from(behind.url, '203.0.113.2')).status, 200);
  // A visitor's own X-Forwarded-For, left of the proxy's hop, changes nothing.
  assert.equal((await from(behind.url, '198.51.100.9, 203.0.113.1')).status, 429);
  // Without TRUSTED_PROXIES the header is anybody's: 127.0.0.1 is one client, whatever it claims.
  assert.deepEqual(
    [
      await from(direct.url, '203.0.113.1'),
      await from(direct.url, '203.0.113.2'),
      await from(direct.url, '203.0.113.3'),
    ].map((answer) => answer.status),
    [200, 200, 429],
  );
});

test('only identity and gzip are relayed; any other Content-Encoding is refused with 415', async (t) => {
  const relay = await startRelay();
  t.after(relay.close);
  received.length = 0;
  encodings.length = 0;
  const body = JSON.stringify({ resourceSpans: [] });
  const gzipped = await promisify(gzip)(body);
  const sentGzip = await new Promise<number>((resolve, reject) => {
    // sendOtlp sends text; the gzipped bytes go out as they are.
    const outgoing = httpRequest(
      `${relay.url}/v1/traces`,
      { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } },
      (answer) => answer.resume().on('end', () => resolve(answer.statusCode!)),
    );
    outgoing.on('error', reject).end(gzipped);
  });
  assert.equal(sentGzip, 200);
  assert.equal((await send(relay.url, { body, headers: { 'Content-Encoding': 'identity' } })).status, 200);
  for (const encoding of ['br', 'deflate', 'zstd', 'gzip, gzip', 'x-unknown']) {
    const refused = await send(relay.url, { body, headers: { 'Content-Encoding': encoding } });
    assert.equal(refused.status, 415, encoding);
    assert.equal(refused.body, '/v1/traces takes no Content-Encoding, or gzip', encoding);
  }
  assert.deepEqual(encodings, ['gzip', undefined]);
  assert.deepEqual(received[0], gzipped);
});

test('an unreachable collector is a 502 in plain words that name no address; the log keeps it', async (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  const relay = await startRelay({ collectorUrl: 'http://127.0.0.1:1' }, { reportEveryMs: 200 });
  t.after(relay.close);
  const answer = await send(relay.url);
  assert.equal(answer.status, 502);
  assert.equal(
    answer.body,
    'the collector did not take the export (ECONNREFUSED); the spans are not stored. Start it, or set COLLECTOR_BROWSER_URL for the page server.',
  );
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.match(
    String(logged.mock.calls[0]?.arguments[0]),
    /1 × 502 \/v1\/traces: the collector at http:\/\/127\.0\.0\.1:1 did not take an export \(ECONNREFUSED\)/,
  );
});

test('refusals are counted and logged, one line for all of them in each interval, naming the clients', async (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  const relay = await startRelay({}, { reportEveryMs: 300 });
  t.after(relay.close);
  assert.equal((await send(relay.url, { body: 'x'.repeat(MAX_BODY_BYTES + 1) })).status, 413);
  for (let i = 0; i < 3; i++)
    assert.equal((await send(relay.url, { method: 'GET', localAddress: '127.0.0.2' })).status, 405);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(
    logged.mock.calls.map((call) => call.arguments[0]),
    [
      `hello-page refused or failed 4 requests in the last 0.3 s: 1 × 413 /v1/traces: over ${MAX_BODY_BYTES} bytes, which the page does not send again, 3 × 405 /v1/traces: not a POST; most from 127.0.0.2 (3), 127.0.0.1 (1)`,
    ],
  );
});

test('settings have defaults, and a malformed one names its variable', () => {
  assert.deepEqual(relaySettings({ COLLECTOR_BROWSER_PORT: '4319' }), {
    collectorUrl: 'http://127.0.0.1:4319',
    rate: { perClient: 10, burst: 20, total: 200 },
  });
  assert.throws(() => relaySettings({ COLLECTOR_BROWSER_URL: 'otel-collector:4319' }), /COLLECTOR_BROWSER_URL/);
  assert.throws(() => relaySettings({ PAGE_OTLP_RATE: '0' }), /PAGE_OTLP_RATE must be a whole number above 0/);
  assert.throws(() => relaySettings({ PAGE_OTLP_RATE: '30', PAGE_OTLP_BURST: '20' }), /PAGE_OTLP_BURST/);
  assert.throws(
    () => relaySettings({ PAGE_OTLP_TOTAL_RATE: '5' }),
    /PAGE_OTLP_TOTAL_RATE \(5\) must be at least PAGE_OTLP_RATE/,
  );
});
