import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { MAX_BODY_BYTES, OTLP_TRACES_PATH, otlpRelay, relaySettings, type RelaySettings } from './otlp-relay.ts';
import { sendOtlp } from '@hello-trace/harness/testing/raw-request';

/** What a loopback collector stand-in received: one body per request. */
const received: Buffer[] = [];
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
    const refused = incoming.url !== OTLP_TRACES_PATH;
    response.writeHead(refused ? 404 : 200, { 'Content-Type': 'application/json' }).end(refused ? '{"no":1}' : '{}');
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
after(() => collector.close());

/** A page server with only the relay, and `settings` over the defaults. */
async function startRelay(
  settings: Partial<RelaySettings> = {},
  options: { reportEveryMs?: number } = {},
): Promise<{ url: string; close(): void }> {
  const relay = otlpRelay({ collectorUrl, ratePerSecond: 10, burst: 20, ...settings }, options);
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
  const relay = await startRelay({ ratePerSecond: 2, burst: 4 });
  t.after(relay.close);
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await send(relay.url)).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  const refused = await send(relay.url);
  assert.equal(refused.status, 429);
  assert.match(refused.headers['retry-after'] ?? '', /^[1-9]\d*$/);
  assert.equal((await send(relay.url, { localAddress: '127.0.0.2' })).status, 200);
});

test('an unreachable collector is a 502 in plain words', async (t) => {
  const relay = await startRelay({ collectorUrl: 'http://127.0.0.1:1' });
  t.after(relay.close);
  const answer = await send(relay.url);
  assert.equal(answer.status, 502);
  assert.match(answer.body, /collector at http:\/\/127\.0\.0\.1:1 is not reachable \(ECONNREFUSED\)/);
});

test('refusals are counted and logged, one line for all of them in each interval', async (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  const relay = await startRelay({}, { reportEveryMs: 300 });
  t.after(relay.close);
  assert.equal((await send(relay.url, { body: 'x'.repeat(MAX_BODY_BYTES + 1) })).status, 413);
  for (let i = 0; i < 3; i++) assert.equal((await send(relay.url, { method: 'GET' })).status, 405);
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(
    logged.mock.calls.map((call) => call.arguments[0]),
    [
      `hello-page relay refused exports in the last 0.3 s: 1 × 413 (over ${MAX_BODY_BYTES} bytes, which the page does not send again), 3 × 405 (not a POST)`,
    ],
  );
});

test('settings have defaults, and a malformed one names its variable', () => {
  assert.deepEqual(relaySettings({ COLLECTOR_BROWSER_PORT: '4319' }), {
    collectorUrl: 'http://127.0.0.1:4319',
    ratePerSecond: 10,
    burst: 20,
  });
  assert.throws(() => relaySettings({ COLLECTOR_BROWSER_URL: 'otel-collector:4319' }), /COLLECTOR_BROWSER_URL/);
  assert.throws(() => relaySettings({ PAGE_OTLP_RATE: '0' }), /PAGE_OTLP_RATE must be a whole number above 0/);
  assert.throws(() => relaySettings({ PAGE_OTLP_RATE: '30', PAGE_OTLP_BURST: '20' }), /PAGE_OTLP_BURST/);
});
