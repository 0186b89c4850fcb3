// The public edge of the three servers as processes, with their tracing preloads (@hello-trace/edge):
// the page server, the hello server and the greeter against slow and greedy clients. Each hostile
// client is refused or cut off within its bound while the process goes on serving, and a stop does
// not wait on a slow client: it ends within DRAIN_MS, and every ended span still arrives.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DRAIN_MS, HEADERS_TIMEOUT_MS } from '@hello-trace/edge/server';
import { startGreeter } from '@hello-trace/harness/testing/downstream';
import { OtlpReceiver } from '@hello-trace/harness/testing/otlp-receiver';
import { startPageServer } from '@hello-trace/harness/testing/page';
import { freePort, startServer, type RunningProcess } from '@hello-trace/harness/testing/processes';

/** The relay's total deadline for one export (page-server/otlp-relay.ts). */
const RELAY_DEADLINE_MS = 10_000;
const INDEX = '<!doctype html>\n<html>\n  <head>\n    <title>page</title>\n  </head>\n</html>\n';

let receiver: OtlpReceiver;
let pageDir: string;
/** Stands in for the collector's browser receiver: notes when each request began and when it ended. */
let collector: Server;
const collectorRequests: { startedAt: number; endedAt?: number; complete?: boolean }[] = [];

before(async () => {
  receiver = new OtlpReceiver();
  await receiver.start();
  pageDir = await mkdtemp(join(tmpdir(), 'hello-trace-edge-'));
  await writeFile(join(pageDir, 'index.html'), INDEX);
  collector = createServer((incoming, response) => {
    const seen: (typeof collectorRequests)[number] = { startedAt: Date.now() };
    collectorRequests.push(seen);
    incoming.on('close', () => {
      seen.endedAt = Date.now();
      seen.complete = incoming.complete;
    });
    incoming.resume().on('end', () => response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
});

after(async () => {
  collector?.closeAllConnections();
  collector?.close();
  await receiver?.stop();
  if (pageDir) await rm(pageDir, { recursive: true, force: true });
});

/** The three servers, exporting to the receiver, with `env`; the page server relays to the stand-in collector. */
async function startAll(env: Record<string, string> = {}): Promise<Record<string, RunningProcess>> {
  const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env };
  const collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const [page, server, greeter] = await Promise.all([
    freePort().then((port) => startPageServer(pageDir, port, { ...otlp, COLLECTOR_BROWSER_URL: collectorUrl })),
    startServer(otlp),
    startGreeter(otlp),
  ]);
  return { 'the page server': page, 'the server': server, 'the greeter': greeter };
}

const portOf = (process: RunningProcess) => Number(new URL(process.ready[1]).port);

/** A raw connection from `localAddress` that has sent `text`; `closed` resolves with when it closed. */
async function connection(port: number, text: string, localAddress = '127.0.0.1') {
  const socket: Socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (chunk) => void (received += chunk));
  // Not events.once, which would reject on the ECONNRESET of a connection cut off.
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  await once(socket, 'connect');
  socket.write(text);
  return { socket, closed, received: () => received };
}

/** Whether `process` answers its health check now. */
async function healthy(process: RunningProcess): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${portOf(process)}/healthz`).catch(() => undefined);
  return response?.status === 200;
}

test(
  `half a request header is answered 408 and cut off after ${HEADERS_TIMEOUT_MS / 1000} s by each server, which serves meanwhile`,
  { timeout: 60_000 },
  async (t) => {
    const processes = await startAll();
    t.after(() => Promise.all(Object.values(processes).map((process) => process.stop())));
    const startedAt = Date.now();
    const slow = await Promise.all(
      Object.values(processes).map((process) =>
        connection(portOf(process), 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'),
      ),
    );
    await sleep(HEADERS_TIMEOUT_MS / 2);
    for (const [name, process] of Object.entries(processes))
      assert.ok(await healthy(process), `${name} serves meanwhile`);
    const closedAt = await Promise.all(slow.map(({ closed }) => closed));
    for (const [index, name] of Object.keys(processes).entries()) {
      const heldMs = closedAt[index] - startedAt;
      assert.ok(
        heldMs >= HEADERS_TIMEOUT_MS - 500 && heldMs < HEADERS_TIMEOUT_MS + 2_000,
        `${name} held it ${heldMs} ms`,
      );
      assert.match(slow[index].received(), /^HTTP\/1\.1 408 Request Timeout\r\n/, name);
    }
  },
);

test(
  `an export trickled to the relay, 10 bytes every 2 s, ends within ${RELAY_DEADLINE_MS / 1000} s on both sides`,
  { timeout: 60_000 },
  async (t) => {
    const page = await freePort().then((port) =>
      startPageServer(pageDir, port, {
        OTEL_TRACES_EXPORTER: 'none',
        COLLECTOR_BROWSER_URL: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      }),
    );
    t.after(() => page.stop());
    collectorRequests.length = 0;
    const startedAt = Date.now();
    const trickle = await connection(
      portOf(page),
      'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    const timer = setInterval(() => trickle.socket.write('{"x":"abc"'.slice(0, 10)), 2_000);
    t.after(() => clearInterval(timer));
    const closedAt = await trickle.closed;
    clearInterval(timer);
    const heldMs = closedAt - startedAt;
    assert.ok(heldMs < RELAY_DEADLINE_MS + 1_500, `the client's connection was held ${heldMs} ms`);
    assert.match(trickle.received(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(trickle.received(), /\r\nan export must arrive within 10 s\r\n/);
    // The collector's side was ended too, its body incomplete.
    assert.equal(collectorRequests.length, 1);
    const [forwarded] = collectorRequests;
    assert.ok(forwarded.endedAt !== undefined && forwarded.endedAt - startedAt < RELAY_DEADLINE_MS + 1_500);
    assert.equal(forwarded.complete, false);
    assert.ok(await healthy(page));
  },
);

test('past its cap of connections one client is cut off at once, while the others are served', async (t) => {
  const processes = await startAll({ MAX_CONNECTIONS_PER_CLIENT: '4' });
  t.after(() => Promise.all(Object.values(processes).map((process) => process.stop())));
  for (const [name, process] of Object.entries(processes)) {
    const held = await Promise.all(
      Array.from({ length: 4 }, () => connection(portOf(process), 'GET /healthz HTTP/1.1\r\n', '127.0.0.2')),
    );
    const extra = await connection(portOf(process), 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', '127.0.0.2');
    const cutAt = await Promise.race([extra.closed, sleep(2_000).then(() => undefined)]);
    assert.ok(cutAt !== undefined, `${name}: a fifth connection from 127.0.0.2 is closed at once`);
    assert.equal(extra.received(), '', `${name}: and answered nothing`);
    assert.ok(await healthy(process), `${name}: 127.0.0.1 is served`);
    for (const { socket } of held) socket.destroy();
  }
});

test(
  `SIGTERM with a slow client holding a connection: each server exits within ${(DRAIN_MS + 1_000) / 1000} s, and every ended span arrives`,
  { timeout: 60_000 },
  async (t) => {
    // A batch delay far beyond the test's length: only the flush at exit can send these spans.
    const processes = await startAll({ OTEL_BSP_SCHEDULE_DELAY: '600000' });
    t.after(() => Promise.all(Object.values(processes).map((process) => process.stop())));
    const paths: Record<string, [path: string, spans: string[]]> = {
      'the page server': ['/', ['GET /']],
      'the server': ['/hello', ['GET /hello', 'HelloHandler']],
      'the greeter': ['/greeting', ['GET /greeting', 'GreetHandler']],
    };
    for (const [name, process] of Object.entries(processes)) {
      const [path] = paths[name];
      assert.equal((await fetch(`http://127.0.0.1:${portOf(process)}${path}`)).status, 200, name);
    }
    assert.equal(receiver.spans.length, 0, 'nothing sent before the stop');
    const slow = await Promise.all(
      Object.values(processes).map((process) => connection(portOf(process), 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n')),
    );
    const stoppedAt = Date.now();
    const exits = await Promise.all(
      Object.values(processes).map(async (process) => [await process.stop(20_000), Date.now() - stoppedAt] as const),
    );
    for (const [index, name] of Object.keys(processes).entries()) {
      const [code, ms] = exits[index];
      assert.equal(code, 0, `${name} exit code`);
      assert.ok(ms < DRAIN_MS + 1_000, `${name} exited ${ms} ms after SIGTERM`);
      assert.match(processes[name].output(), /received SIGTERM/, name);
    }
    for (const { closed } of slow) await closed;
    const names = receiver.spans.map((span) => span.name);
    for (const [name, [, spans]] of Object.entries(paths)) {
      for (const span of spans) assert.ok(names.includes(span), `${name}'s ${span} arrived: ${names.join(', ')}`);
    }
  },
);

test(
  "/hello's rate per client, behind a trusted proxy per forwarded client; the refusals logged with the clients that caused most",
  { timeout: 60_000 },
  async (t) => {
    const server = await startServer({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      HELLO_RATE: '2',
      HELLO_BURST: '2',
      TRUSTED_PROXIES: '127.0.0.2',
    });
    t.after(() => server.stop());
    const hello = (localAddress: string, forwardedFor?: string) =>
      new Promise<{ status: number; retryAfter?: string }>((resolve, reject) => {
        const headers = forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {};
        request(`${server.ready[1]}/hello`, { localAddress, headers }, (answer) => {
          answer.resume();
          resolve({ status: answer.statusCode!, retryAfter: answer.headers['retry-after'] });
        })
          .on('error', reject)
          .end();
      });
    const statuses = async (count: number, localAddress: string, forwardedFor?: string) => {
      const answers = [];
      for (let i = 0; i < count; i++) answers.push((await hello(localAddress, forwardedFor)).status);
      return answers;
    };
    // A client on its own: its rate, whatever X-Forwarded-For it claims.
    assert.deepEqual(await statuses(2, '127.0.0.1'), [200, 200]);
    const refused = await hello('127.0.0.1', '203.0.113.99');
    assert.equal(refused.status, 429);
    assert.match(refused.retryAfter ?? '', /^[1-9]\d*$/);
    // Behind the trusted proxy at 127.0.0.2, each forwarded client has a rate of its own.
    assert.deepEqual(await statuses(3, '127.0.0.2', '203.0.113.5'), [200, 200, 429]);
    assert.deepEqual(await statuses(2, '127.0.0.2', '198.51.100.1, 203.0.113.6'), [200, 200]);
    // Another visitor behind the same proxy, over IPv6: its /64 is the client.
    assert.deepEqual(await statuses(3, '127.0.0.2', '2001:db8:1:2::1'), [200, 200, 429]);
    assert.equal((await hello('127.0.0.2', '2001:db8:1:2:ffff::7')).status, 429);
    // The log says so in one line, within its 10 s interval, naming the clients that caused most.
    const deadline = Date.now() + 15_000;
    while (!/refused or failed/.test(server.output()) && Date.now() < deadline) await sleep(200);
    assert.match(
      server.output(),
      /hello-server refused or failed 4 requests in the last 10 s: 4 × 429 GET \/hello: past the rate of this client; most from 2001:db8:1:2::\/64 \(2\), 127\.0\.0\.1 \(1\), 203\.0\.113\.5 \(1\)/,
    );
  },
);
