// The real server with its tracing preload, exporting OTLP/protobuf to a receiver the test runs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { newTraceparent } from '@hello-trace/harness/testing/load';
import { OtlpReceiver, SpanKind, StatusCode, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import { freePort, startServer, type RunningProcess } from '@hello-trace/harness/testing/processes';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

let receiver: OtlpReceiver;
let server: RunningProcess;
let serverUrl: string;

before(async () => {
  receiver = new OtlpReceiver();
  await receiver.start();
  server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  serverUrl = server.ready[1];
});

after(async () => {
  await server?.stop();
  await receiver?.stop();
});

/** Sends GET /hello with these headers and returns the answer with the server's spans for it. */
async function hello(headers: Record<string, string>, path = '/hello') {
  const seen = receiver.spans.length;
  const response = await fetch(`${serverUrl}${path}`, { headers });
  const body = await response.text();
  const spans = (await receiver.waitFor((all) => all.slice(seen).some((span) => span.kind === SpanKind.SERVER))).slice(
    seen,
  );
  return { response, body, spans };
}

function byName(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const span = spans.find((candidate) => candidate.name === name);
  assert.ok(span, `no span "${name}" among ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

test("continues the caller's trace and reads the baggage in HelloHandler", async () => {
  const { response, body, spans } = await hello({ traceparent: TRACEPARENT, baggage: 'name=GoFrame' });
  assert.equal(response.status, 200);
  assert.equal(body, 'hello:GoFrame');

  // With no settings, the SERVER span is the stock one, named after the route that Express matched.
  const serverSpan = byName(spans, 'GET /hello');
  assert.equal(serverSpan.scope, '@opentelemetry/instrumentation-http');
  assert.equal(serverSpan.service, 'hello-server');
  assert.equal(serverSpan.kind, SpanKind.SERVER);
  assert.equal(serverSpan.traceId, TRACE_ID);
  assert.equal(serverSpan.parentSpanId, PARENT_ID);
  const { 'network.peer.port': peerPort, ...attributes } = serverSpan.attributes;
  assert.ok(Number.isInteger(peerPort), `network.peer.port ${String(peerPort)}`);
  assert.deepEqual(attributes, {
    'http.request.method': 'GET',
    'url.scheme': 'http',
    'url.path': '/hello',
    'server.address': '127.0.0.1',
    'server.port': Number(new URL(serverUrl).port),
    'client.address': '127.0.0.1',
    'network.peer.address': '127.0.0.1',
    'network.protocol.version': '1.1',
    'user_agent.original': 'node',
    'http.route': '/hello',
    'http.response.status_code': 200,
  });
  assert.equal(serverSpan.status.code, StatusCode.UNSET);

  const handler = byName(spans, 'HelloHandler');
  assert.equal(handler.kind, SpanKind.INTERNAL);
  assert.equal(handler.traceId, TRACE_ID);
  assert.equal(handler.parentSpanId, serverSpan.spanId);
  assert.equal(handler.attributes['app.baggage.name'], 'GoFrame');
  assert.deepEqual(spans.map((span) => span.name).toSorted(), ['GET /hello', 'HelloHandler']);
  assert.ok(spans.every((span) => span.traceId === TRACE_ID));

  // The answer names the SERVER span, for the page to link to.
  const traceparent = `00-${TRACE_ID}-${serverSpan.spanId}-01`;
  assert.equal(response.headers.get('traceresponse'), traceparent);
  assert.match(response.headers.get('server-timing') ?? '', new RegExp(`traceparent;desc="${traceparent}"`));
});

test('scenario slow waits in a child span of HelloHandler', async () => {
  const { response, spans } = await hello({ traceparent: TRACEPARENT }, '/hello?scenario=slow');
  assert.equal(response.status, 200);
  const handler = byName(spans, 'HelloHandler');
  assert.equal(handler.attributes['app.scenario'], 'slow');
  assert.equal(byName(spans, 'SlowWork').parentSpanId, handler.spanId);
});

test('scenario failing answers 500 and marks the server spans as errors', async () => {
  const { response, spans } = await hello({ traceparent: TRACEPARENT }, '/hello?scenario=failing');
  assert.equal(response.status, 500);
  const handler = byName(spans, 'HelloHandler');
  assert.equal(handler.status.code, StatusCode.ERROR);
  assert.equal(handler.status.message, 'simulated failure (scenario=failing)');
  const exception = handler.events.find((event) => event.name === 'exception');
  assert.equal(exception?.attributes['exception.message'], 'simulated failure (scenario=failing)');
  const serverSpan = byName(spans, 'GET /hello');
  assert.equal(serverSpan.status.code, StatusCode.ERROR);
  assert.equal(serverSpan.attributes['http.response.status_code'], 500);
  assert.equal(serverSpan.attributes['error.type'], '500');
  assert.equal(serverSpan.attributes['url.query'], 'scenario=failing');
});

test('a path no route matches keeps the method as its span name', async () => {
  const { response, spans } = await hello({ traceparent: TRACEPARENT }, '/nowhere?x=1');
  assert.equal(response.status, 404);
  const serverSpan = byName(spans, 'GET');
  assert.equal(serverSpan.attributes['http.route'], undefined);
  assert.equal(serverSpan.attributes['url.path'], '/nowhere');
  assert.equal(serverSpan.attributes['http.response.status_code'], 404);
  assert.equal(serverSpan.status.code, StatusCode.UNSET);
});

test('a request the client abandons ends its SERVER span when the connection closes', async () => {
  const seen = receiver.spans.length;
  await assert.rejects(
    fetch(`${serverUrl}/hello?scenario=slow`, {
      headers: { traceparent: TRACEPARENT },
      signal: AbortSignal.timeout(100),
    }),
  );
  const spans = (await receiver.waitFor((all) => all.slice(seen).some((span) => span.name === 'HelloHandler'))).slice(
    seen,
  );
  const serverSpan = byName(spans, 'GET /hello');
  assert.ok(serverSpan.durationMs < byName(spans, 'SlowWork').durationMs, 'the SERVER span outlived its connection');
});

test("the caller's sampling decision wins: an unsampled parent gets no server spans", async () => {
  const unsampledTraceId = 'f'.repeat(31) + '1';
  const response = await fetch(`${serverUrl}/hello`, {
    headers: { traceparent: `00-${unsampledTraceId}-${PARENT_ID}-00`, baggage: 'name=GoFrame' },
  });
  assert.equal(await response.text(), 'hello:GoFrame');
  assert.equal(response.headers.get('traceresponse'), null);
  // A sampled request after it: once its spans are in, the unsampled one's would be too.
  await hello({ traceparent: TRACEPARENT });
  assert.ok(receiver.spans.every((span) => span.traceId !== unsampledTraceId));
});

test('a malformed traceparent starts a new trace', async () => {
  for (const traceparent of [
    '00-xyz-abc-01',
    `00-${'0'.repeat(32)}-${PARENT_ID}-01`,
    `ff-${TRACE_ID}-${PARENT_ID}-01`,
  ]) {
    const { response, body, spans } = await hello({ traceparent, baggage: 'name=GoFrame' });
    assert.equal(response.status, 200, traceparent);
    assert.equal(body, 'hello:GoFrame');
    const serverSpan = byName(spans, 'GET /hello');
    assert.notEqual(serverSpan.traceId, TRACE_ID, traceparent);
    assert.equal(serverSpan.parentSpanId, '', traceparent);
  }
});

test('a malformed baggage is dropped while the trace continues', async () => {
  for (const baggage of ['name=%E0%A4%A', 'name', '=GoFrame', `name=${'x'.repeat(9000)}`]) {
    const { response, body, spans } = await hello({ traceparent: TRACEPARENT, baggage });
    assert.equal(response.status, 200, baggage);
    assert.equal(body, 'hello:', baggage);
    assert.equal(byName(spans, 'GET /hello').traceId, TRACE_ID);
    assert.equal(byName(spans, 'HelloHandler').attributes['app.baggage.name'], '');
  }
});

test('markup in the baggage comes back as plain text, and the span attribute is capped', async () => {
  const name = `<script>alert(1)</script>${'a'.repeat(300)}`;
  const { response, body, spans } = await hello({ baggage: `name=${encodeURIComponent(name)}` });
  assert.equal(body, `hello:${name}`);
  assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(byName(spans, 'HelloHandler').attributes['app.baggage.name'], name.slice(0, 128));
});

test('CORS preflights are answered but not traced', async () => {
  const preflight = await fetch(`${serverUrl}/hello`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'GET' },
  });
  assert.equal(preflight.status, 204);
  const { spans } = await hello({});
  assert.ok(receiver.spans.every((span) => span.attributes['http.request.method'] !== 'OPTIONS'));
  assert.equal(byName(spans, 'GET /hello').kind, SpanKind.SERVER);
});

/** A server of its own with `env`, exporting to an OTLP receiver of its own; `use` gets both, which stop after it. */
async function withOwnServer(
  env: Record<string, string>,
  use: (server: RunningProcess, receiver: OtlpReceiver) => Promise<void>,
): Promise<void> {
  const ownReceiver = new OtlpReceiver();
  await ownReceiver.start();
  try {
    const ownServer = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: ownReceiver.url, ...env });
    try {
      await use(ownServer, ownReceiver);
    } finally {
      await ownServer.stop();
    }
  } finally {
    await ownReceiver.stop();
  }
}

test('SIGTERM drains, flushes queued spans to the collector and exits 0', async () => {
  // A batch delay far beyond the test's length: only the shutdown flush can deliver these spans.
  await withOwnServer({ OTEL_BSP_SCHEDULE_DELAY: '600000' }, async (slowExporting, lateReceiver) => {
    const response = await fetch(`${slowExporting.ready[1]}/hello`, { headers: { baggage: 'name=flush' } });
    assert.equal(await response.text(), 'hello:flush');
    assert.equal(lateReceiver.spans.length, 0);
    assert.equal(await slowExporting.stop(), 0);
    assert.match(slowExporting.output(), /received SIGTERM/);
    assert.ok(
      lateReceiver.spans.some(
        (span) => span.name === 'HelloHandler' && span.attributes['app.baggage.name'] === 'flush',
      ),
    );
  });
});

test('SIGTERM under load: every answered request has all its spans at the collector', async () => {
  await withOwnServer({}, async (loaded, loadReceiver) => {
    const answeredTraceIds: string[] = [];
    let stopping = false;
    // 16 clients send requests back to back until the server stops answering.
    const clients = Array.from({ length: 16 }, async () => {
      while (true) {
        try {
          const response = await fetch(`${loaded.ready[1]}/hello?scenario=slow`, {
            headers: { traceparent: newTraceparent().traceparent },
          });
          await response.text();
          if (response.ok) answeredTraceIds.push(response.headers.get('traceresponse')!.split('-')[1]);
        } catch {
          if (stopping) return;
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    stopping = true;
    assert.equal(await loaded.stop(), 0);
    await Promise.all(clients);
    assert.ok(answeredTraceIds.length > 16, `only ${answeredTraceIds.length} answers`);
    const spansPerTrace = new Map<string, number>();
    for (const { traceId } of loadReceiver.spans) spansPerTrace.set(traceId, (spansPerTrace.get(traceId) ?? 0) + 1);
    // SERVER, HelloHandler and SlowWork.
    for (const traceId of answeredTraceIds) assert.equal(spansPerTrace.get(traceId), 3, `spans of trace ${traceId}`);
  });
});

/** GET /hello of `own` as the page sends it; its spans, once the SERVER span has arrived at `ownReceiver`. */
async function helloOf(own: RunningProcess, ownReceiver: OtlpReceiver) {
  const response = await fetch(`${own.ready[1]}/hello`, {
    headers: { traceparent: TRACEPARENT, baggage: 'name=GoFrame' },
  });
  const body = await response.text();
  const spans = await ownReceiver.waitFor((all) => all.some((span) => span.kind === SpanKind.SERVER));
  return { response, body, spans };
}

test('TRACING_LEAN_SERVER_SPAN=true gives the lean SERVER span, with the same name, attributes and answer headers', async () => {
  await withOwnServer({ TRACING_LEAN_SERVER_SPAN: 'true' }, async (lean, leanReceiver) => {
    const { response, body, spans } = await helloOf(lean, leanReceiver);
    assert.equal(body, 'hello:GoFrame');
    const serverSpan = byName(spans, 'GET /hello');
    assert.equal(serverSpan.scope, 'server-span');
    assert.equal(serverSpan.parentSpanId, PARENT_ID);
    assert.deepEqual(serverSpan.attributes, {
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'url.path': '/hello',
      'client.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'user_agent.original': 'node',
      'http.route': '/hello',
      'http.response.status_code': 200,
    });
    assert.equal(byName(spans, 'HelloHandler').parentSpanId, serverSpan.spanId);
    assert.equal(response.headers.get('traceresponse'), `00-${TRACE_ID}-${serverSpan.spanId}-01`);
    assert.ok(spans.every((span) => span.scope !== '@opentelemetry/instrumentation-http'));

    // A request the client abandons: an error, since no answer went out.
    await assert.rejects(
      fetch(`${lean.ready[1]}/hello?scenario=slow`, {
        headers: { traceparent: TRACEPARENT },
        signal: AbortSignal.timeout(100),
      }),
    );
    const abandoned = await leanReceiver.waitFor((all) => all.some((span) => span.name === 'SlowWork'));
    const abandonedSpan = abandoned.findLast((span) => span.name === 'GET /hello')!;
    assert.equal(abandonedSpan.status.code, StatusCode.ERROR);
    assert.equal(abandonedSpan.status.message, 'the connection closed before the response was sent');
  });
});

test('OTEL_NODE_ENABLED_INSTRUMENTATIONS keeps only the instrumentations it names; an unknown name is reported and ignored', async () => {
  await withOwnServer({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pg' }, async (httpOnly, httpOnlyReceiver) => {
    assert.match(
      httpOnly.output(),
      /^OpenTelemetry: OTEL_NODE_ENABLED_INSTRUMENTATIONS names "pg", which this app does not offer \(it offers http, express, undici\): ignored\.$/m,
    );
    const { body, spans } = await helloOf(httpOnly, httpOnlyReceiver);
    assert.equal(body, 'hello:GoFrame');
    // No instrumentation-express: nothing names the route.
    assert.equal(byName(spans, 'GET').attributes['http.route'], undefined);
  });
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS removes the instrumentations it names; an unknown name is reported and ignored', async () => {
  await withOwnServer(
    { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express,fetch' },
    async (noExpress, noExpressReceiver) => {
      assert.match(noExpress.output(), /^OpenTelemetry: OTEL_NODE_DISABLED_INSTRUMENTATIONS names "fetch", which/m);
      const { spans } = await helloOf(noExpress, noExpressReceiver);
      assert.equal(byName(spans, 'GET').scope, '@opentelemetry/instrumentation-http');
    },
  );
});

test('TRACING_PATIENT_EXPORTER=true keeps a batch while the collector is away, which the stock exporter gives up', async () => {
  const port = await freePort();
  const away = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '1000' };
  const late = new OtlpReceiver();
  const stock = await startServer({ ...away, OTEL_SERVICE_NAME: 'stock-exporter' });
  const patient = await startServer({
    ...away,
    OTEL_SERVICE_NAME: 'patient-exporter',
    TRACING_PATIENT_EXPORTER: 'true',
  });
  try {
    for (const exporting of [stock, patient]) await (await fetch(`${exporting.ready[1]}/hello`)).text();
    // Past the stock exporter's retries within its 1 s timeout.
    await waitUntil(() => /OpenTelemetry: .*ECONNREFUSED.*Spans go to/.test(stock.output()));
    await waitUntil(() => /is the collector running\?/.test(patient.output()));
    await late.start(port);
    await late.waitFor((spans) =>
      spans.some((span) => span.service === 'patient-exporter' && span.name === 'HelloHandler'),
    );
    await waitUntil(() => /accepts spans again/.test(patient.output()));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.deepEqual(
      late.spans.filter((span) => span.service === 'stock-exporter').map((span) => span.name),
      [],
      'the stock exporter gave its batch up',
    );
  } finally {
    await stock.stop();
    await patient.stop();
    await late.stop();
  }
});

test('OTEL_SDK_DISABLED=true serves without tracing', async () => {
  const untraced = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true' });
  try {
    const seen = receiver.spans.length;
    const response = await fetch(`${untraced.ready[1]}/hello`, { headers: { baggage: 'name=GoFrame' } });
    assert.equal(response.status, 200);
    // No SDK means no propagator either: the baggage is not read.
    assert.equal(await response.text(), 'hello:');
    assert.equal(await untraced.stop(), 0);
    assert.equal(receiver.spans.length, seen);
  } finally {
    await untraced.stop();
  }
});

test('a malformed setting stops the server at once with a message naming it', async () => {
  await assert.rejects(
    startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, CORS_ALLOWED_ORIGINS: 'http://localhost:5173/' }),
    /exited with 1 before it was ready:\n.*hello-server cannot start: CORS_ALLOWED_ORIGINS must be a list of origins/s,
  );
});

test('a malformed tracing setting is refused in one line naming it, and its default applies', async () => {
  await withOwnServer({ TRACING_LEAN_SERVER_SPAN: 'yes' }, async (refused, refusedReceiver) => {
    assert.match(
      refused.output(),
      /^OpenTelemetry: TRACING_LEAN_SERVER_SPAN must be true or false, got "yes": it stays false\.$/m,
    );
    const { spans } = await helloOf(refused, refusedReceiver);
    assert.equal(byName(spans, 'GET /hello').scope, '@opentelemetry/instrumentation-http');
  });
});

test('with no collector it still answers and says in plain words what is wrong', async () => {
  const deadEndpoint = receiver.url.replace(/:\d+$/, ':9');
  const orphan = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: deadEndpoint, OTEL_EXPORTER_OTLP_TIMEOUT: '1000' });
  try {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${orphan.ready[1]}/hello`, { headers: { baggage: 'name=GoFrame' } })),
    );
    assert.deepEqual(new Set(answers.map((response) => response.status)), new Set([200]));
    await waitUntil(() =>
      /OpenTelemetry: .*ECONNREFUSED.*Spans go to .*Requests are still served\./.test(orphan.output()),
    );
    assert.equal(await orphan.stop(), 0);
  } finally {
    await orphan.stop();
  }
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, 'condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
