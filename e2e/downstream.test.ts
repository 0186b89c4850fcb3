// The downstream scenario with real processes: the hello server and the greeter, each with its tracing
// preload, exporting OTLP/protobuf to a receiver the test runs. Between the two, a relay of the test's
// keeps the headers of every request the greeter gets, and passes it on unchanged.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GREETER_TIMEOUT_MS } from 'server/app';
import { assertDownstreamTrace, startGreeter } from '@hello-trace/harness/testing/downstream';
import { only } from '@hello-trace/harness/testing/hello-trace';
import { OtlpReceiver, SpanKind, StatusCode, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import {
  freePort,
  repoRoot,
  startProcess,
  startServer,
  type RunningProcess,
} from '@hello-trace/harness/testing/processes';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

let receiver: OtlpReceiver;
let greeter: RunningProcess;
let relay: Server;
let relayUrl: string;
/** The headers of each request the greeter got, in order. */
const greeterGot: IncomingHttpHeaders[] = [];
let server: RunningProcess;
let serverUrl: string;

before(async () => {
  receiver = new OtlpReceiver();
  await receiver.start();
  greeter = await startGreeter({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const greeterUrl = new URL(greeter.ready[1]);
  relay = createServer((incoming, answer) => {
    greeterGot.push(incoming.headers);
    const outgoing = request(
      { host: greeterUrl.hostname, port: greeterUrl.port, path: incoming.url, headers: incoming.headers },
      (response) => {
        answer.writeHead(response.statusCode!, response.headers);
        response.pipe(answer);
      },
    );
    incoming.pipe(outgoing);
  }).listen(0, '127.0.0.1');
  await once(relay, 'listening');
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, GREETER_URL: relayUrl });
  serverUrl = server.ready[1];
});

after(async () => {
  await server?.stop();
  relay?.closeAllConnections();
  relay?.close();
  await greeter?.stop();
  await receiver?.stop();
});

/** GET /hello?scenario=downstream from `url` with these headers; the answer, and the spans of its trace once `done` holds. */
async function downstream(url: string, headers: Record<string, string>, done: (spans: ReceivedSpan[]) => boolean) {
  const started = performance.now();
  const response = await fetch(`${url}/hello?scenario=downstream`, { headers });
  const body = await response.text();
  const elapsedMs = performance.now() - started;
  const traceId = headers.traceparent.split('-')[1];
  const ofTrace = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
  const spans = ofTrace(await receiver.waitFor((all) => done(ofTrace(all))));
  return { response, body, elapsedMs, spans };
}

const has =
  (...names: string[]) =>
  (spans: ReceivedSpan[]) =>
    names.every((n) => spans.some((s) => s.name === n));
const newTraceparent = () => `00-${crypto.randomUUID().replaceAll('-', '')}-${PARENT_ID}-01`;

test("one trace from the caller through the server to the greeter, with the caller's name there", async () => {
  const { response, body, spans } = await downstream(
    serverUrl,
    { traceparent: TRACEPARENT, baggage: 'name=GoFrame' },
    has('GET /hello', 'GreetHandler'),
  );
  assert.equal(response.status, 200);
  assert.equal(body, 'hello:GoFrame');
  const serverSpan = assertDownstreamTrace(spans, { greeterUrl: relayUrl, name: 'GoFrame' });
  assert.equal(serverSpan.traceId, TRACE_ID);
  assert.equal(serverSpan.parentSpanId, PARENT_ID);
  assert.equal(serverSpan.status.code, StatusCode.UNSET);
  assert.deepEqual(spans.map((span) => `${span.service}: ${span.name}`).toSorted(), [
    'hello-greeter: GET /greeting',
    'hello-greeter: GreetHandler',
    'hello-server: GET',
    'hello-server: GET /hello',
    'hello-server: HelloHandler',
  ]);
});

test("the greeter gets a baggage of the capped name alone, never the caller's", async () => {
  const name = 'N'.repeat(300);
  const hostile = [
    ...Array.from({ length: 150 }, (_, index) => `entry${index}=value${index}`),
    `name=${name}`,
    `session=${'x'.repeat(4000)}`,
  ].join(',');
  const seen = greeterGot.length;
  const traceparent = newTraceparent();
  const { response, body, spans } = await downstream(
    serverUrl,
    { traceparent, baggage: hostile, 'x-api-key': 'secret' },
    has('GET /hello', 'GreetHandler'),
  );
  assert.equal(response.status, 200);
  const capped = name.slice(0, 128);
  assert.equal(body, `hello:${capped}`);

  const [headers, ...others] = greeterGot.slice(seen);
  assert.equal(others.length, 0, 'one request to the greeter');
  assert.equal(headers.baggage, `name=${capped}`);
  assert.match(String(headers.traceparent), new RegExp(`^00-${traceparent.split('-')[1]}-[0-9a-f]{16}-01$`));
  assert.equal(headers['x-api-key'], undefined);
  assert.equal(only(spans, 'hello-greeter', 'GreetHandler').attributes['app.baggage.name'], capped);
});

test('an unreachable greeter: 502 at once, the error on the spans', async () => {
  const closedPort = await freePort();
  const lonely = await startServer({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    GREETER_URL: `http://127.0.0.1:${closedPort}`,
  });
  try {
    const { response, body, elapsedMs, spans } = await downstream(
      lonely.ready[1],
      { traceparent: newTraceparent(), baggage: 'name=GoFrame' },
      has('GET /hello', 'HelloHandler', 'GET'),
    );
    assert.equal(response.status, 502);
    // The answer names what failed, never where: the span keeps the greeter's address.
    assert.equal(body, 'error: the greeter did not answer: ECONNREFUSED');
    assert.ok(elapsedMs < GREETER_TIMEOUT_MS, `answered in ${elapsedMs.toFixed(0)} ms`);
    assertGreeterFailure(spans, 502);
  } finally {
    await lonely.stop();
  }
});

test(
  `a greeter that never answers: 502 after GREETER_TIMEOUT_MS (${GREETER_TIMEOUT_MS} ms)`,
  { timeout: 30_000 },
  async () => {
    const sockets = new Set<Socket>();
    let requests = 0;
    const silent = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk) => void (requests += chunk.toString().startsWith('GET /greeting ') ? 1 : 0));
    }).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const waiting = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, GREETER_URL: silentUrl });
    try {
      const { response, body, elapsedMs, spans } = await downstream(
        waiting.ready[1],
        { traceparent: newTraceparent(), baggage: 'name=GoFrame' },
        has('GET /hello', 'HelloHandler', 'GET'),
      );
      assert.equal(requests, 1, 'the server did call the silent greeter');
      assert.equal(response.status, 502);
      assert.equal(body, `error: the greeter did not answer: no answer within ${GREETER_TIMEOUT_MS} ms`);
      assert.equal(
        only(spans, 'hello-server', 'HelloHandler').status.message,
        `the greeter at ${silentUrl}/greeting did not answer: no answer within ${GREETER_TIMEOUT_MS} ms`,
      );
      // And the server's log, in its next line of what it refused or failed.
      const deadline = Date.now() + 12_000;
      while (!waiting.output().includes('refused or failed') && Date.now() < deadline) await sleep(200);
      assert.match(
        waiting.output(),
        new RegExp(`1 × 502 GET /hello: the greeter at ${silentUrl}/greeting did not answer: no answer within`),
      );
      assert.ok(
        elapsedMs >= GREETER_TIMEOUT_MS && elapsedMs < GREETER_TIMEOUT_MS + 1_000,
        `answered in ${elapsedMs.toFixed(0)} ms`,
      );
      assertGreeterFailure(spans, 502);
    } finally {
      await waiting.stop();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  },
);

/** HelloHandler records the greeter's failure as an exception and an ERROR status; so do the call and the SERVER span. */
function assertGreeterFailure(spans: ReceivedSpan[], status: number): void {
  const handler = only(spans, 'hello-server', 'HelloHandler');
  assert.equal(handler.status.code, StatusCode.ERROR);
  assert.match(handler.status.message, /^the greeter at .* did not answer: /);
  const exception = handler.events.find((event) => event.name === 'exception');
  assert.ok(exception, 'HelloHandler records the exception');
  assert.equal(exception.attributes['exception.message'], handler.status.message);
  const call = only(spans, 'hello-server', 'GET');
  assert.equal(call.kind, SpanKind.CLIENT);
  assert.equal(call.parentSpanId, handler.spanId);
  assert.equal(call.status.code, StatusCode.ERROR);
  const serverSpan = only(spans, 'hello-server', 'GET /hello');
  assert.equal(serverSpan.attributes['http.response.status_code'], status);
  assert.equal(serverSpan.status.code, StatusCode.ERROR);
}

test("the exporters' own requests are never traced", async () => {
  const traceparent = newTraceparent();
  await downstream(serverUrl, { traceparent }, has('GET /hello', 'GreetHandler'));
  // The spans of the exports so far, if any were made, have gone out with the next batches.
  await sleep(1_500);
  const exports = receiver.spans.filter((span) => span.name === 'POST' || JSON.stringify(span).includes('/v1/traces'));
  assert.ok(receiver.spans.some((span) => span.service === 'hello-server' && span.kind === SpanKind.CLIENT));
  assert.deepEqual(exports, [], 'no span of an export');
});

// The exporter loads http with import() once the preload's loader hook is in place, so the request
// it gets may be instrumented: its exports stay untraced all the same, as the SDK suppresses tracing
// around each, the retries on a timer included.
const TICKS = `import { trace } from '@opentelemetry/api';
console.log('ticking');
setInterval(() => trace.getTracer('ticks').startSpan('Tick').end(), 100);`;

test('an export tried again on a timer stays untraced', async () => {
  const port = await freePort();
  const late = new OtlpReceiver();
  const ticks = await startProcess(
    process.execPath,
    ['--env-file=otel.env', '--import', './tracing/instrumentation.ts', '--input-type=module', '--eval', TICKS],
    {
      cwd: join(repoRoot, 'server'),
      // No collector until 1.5 s in: the first exports are tried again (server/otel.env's timeout).
      env: { OTEL_SERVICE_NAME: 'ticks', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      readyPattern: /ticking/,
    },
  );
  try {
    await sleep(1_500);
    await late.start(port);
    await late.waitFor((spans) => spans.filter((span) => span.name === 'Tick').length >= 30);
    await sleep(1_500);
    assert.deepEqual(
      late.spans
        .filter((span) => span.name !== 'Tick')
        .map((span) => `${span.name} ${JSON.stringify(span.attributes)}`),
      [],
      'no span of an export',
    );
  } finally {
    await ticks.stop();
    await late.stop();
  }
});
