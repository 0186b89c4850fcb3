// The collector's browser receiver under hostile traffic, against the real collector and Jaeger with
// this repository's configs, on loopback: what anyone who can open the page can send it. Each request
// is refused with 400 (and counted) or stored whole in Jaeger, never accepted and then lost.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { preflight } from '@hello-trace/harness/testing/cors';
import { memoryMiB } from '@hello-trace/harness/testing/load';
import { toReceivedSpans, type OtlpRequest, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import { startPipeline, type Pipeline } from '@hello-trace/harness/testing/pipeline';
import { freePort } from '@hello-trace/harness/testing/processes';

/** The browser receiver's max_request_body_size in collector/shared.yaml. */
const BODY_CAP = 30_000;
/** The browser receiver's read_timeout in collector/shared.yaml. */
const READ_TIMEOUT_MS = 10_000;
/** What the collector cuts long strings to (transform/storable), and span names. */
const VALUE_LIMIT = 8192;
const NAME_LIMIT = 1024;

let pipeline: Pipeline;
let pagePort: number;

before(async () => {
  pagePort = await freePort();
  pipeline = await startPipeline(pagePort);
});

after(() => pipeline?.stop());

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const keyValues = (record: Record<string, string> = {}) =>
  Object.entries(record).map(([key, value]) => ({ key, value: { stringValue: value } }));

interface SpanOptions {
  name?: string;
  /** An error status with this message. */
  error?: string;
  attributes?: Record<string, string>;
  events?: { name: string; attributes?: Record<string, string> }[];
}

/** An OTLP/JSON request holding `spans` of one new trace, from `service`; returns it and the trace id. */
function traceRequest(
  service: string | undefined,
  spans: SpanOptions[],
  resource: Record<string, string> = {},
): { traceId: string; body: string } {
  const traceId = hex(16);
  const now = BigInt(Date.now()) * 1_000_000n;
  const request = {
    resourceSpans: [
      {
        resource: {
          attributes: keyValues({ ...(service === undefined ? {} : { 'service.name': service }), ...resource }),
        },
        scopeSpans: [
          {
            spans: spans.map((span) => ({
              traceId,
              spanId: hex(8),
              name: span.name ?? 'probe',
              kind: 1,
              startTimeUnixNano: String(now),
              endTimeUnixNano: String(now + 1_000_000n),
              attributes: keyValues(span.attributes),
              ...(span.error === undefined ? {} : { status: { code: 2, message: span.error } }),
              events: (span.events ?? []).map((event) => ({
                name: event.name,
                timeUnixNano: String(now),
                attributes: keyValues(event.attributes),
              })),
            })),
          },
        ],
      },
    ],
  };
  return { traceId, body: JSON.stringify(request) };
}

async function post(
  baseUrl: string,
  body: string | Buffer<ArrayBuffer>,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${baseUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** The collector's HTTP server's count of answers with `status` on `port` (metrics level detailed). */
async function answeredWith(status: number, port: number): Promise<number> {
  const metrics = await (await fetch(pipeline.collector.metricsUrl)).text();
  const counts = metrics.matchAll(/^http_server_request_duration(?:_seconds)?_count\{([^}]*)\} (\S+)$/gm);
  return [...counts]
    .filter(
      ([, labels]) =>
        labels.includes(`http_response_status_code="${status}"`) && labels.includes(`server_port="${port}"`),
    )
    .reduce((sum, [, , value]) => sum + Number(value), 0);
}

/** The stored trace's spans and its resource's attributes, once Jaeger has `count` spans of it. */
async function storedTrace(
  traceId: string,
  count = 1,
): Promise<{ spans: ReceivedSpan[]; resource: Record<string, unknown> }> {
  const deadline = Date.now() + 15_000;
  let found = 0;
  while (Date.now() < deadline) {
    const response = await fetch(`${pipeline.jaeger.url}/api/v3/traces/${traceId}`);
    if (response.ok) {
      const { result } = (await response.json()) as { result: OtlpRequest };
      const spans = toReceivedSpans(result);
      found = spans.length;
      if (found >= count) {
        const attributes = result.resourceSpans?.[0]?.resource?.attributes ?? [];
        return { spans, resource: Object.fromEntries(attributes.map(({ key, value }) => [key, value?.stringValue])) };
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Jaeger has ${found} of the ${count} spans of trace ${traceId} after 15 s`);
}

/** Asserts that Jaeger has no span of the trace, once the collector has had time to pass it on. */
async function assertNotStored(traceId: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal((await fetch(`${pipeline.jaeger.url}/api/v3/traces/${traceId}`)).status, 404);
}

/** `count` of the page's spans, each with a 100-byte attribute. */
const noteSpans = (count: number): SpanOptions[] =>
  Array.from({ length: count }, () => ({ attributes: { note: 'x'.repeat(100) } }));

/** As many of those spans as fit in one request under `bytes`. */
function fullestRequest(bytes: number): { traceId: string; body: string; spans: number } {
  let spans = 1;
  while (traceRequest('hello-web', noteSpans(spans + 1)).body.length < bytes) spans++;
  return { ...traceRequest('hello-web', noteSpans(spans)), spans };
}

test(
  `a body trickled to the browser receiver, 10 bytes every 2 s, is cut off after its read_timeout (${READ_TIMEOUT_MS / 1000} s)`,
  { timeout: 60_000 },
  async () => {
    const { port } = new URL(pipeline.collector.browserUrl);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    const startedAt = Date.now();
    socket.write(
      `POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
    );
    const timer = setInterval(() => socket.write('{"x":"abc"'), 2_000);
    try {
      const closedAt = await Promise.race([closed, new Promise<undefined>((resolve) => setTimeout(resolve, 30_000))]);
      assert.ok(closedAt !== undefined, 'the connection is still open after 30 s');
      const heldMs = closedAt - startedAt;
      assert.ok(heldMs < READ_TIMEOUT_MS + 3_000, `the connection was held ${heldMs} ms`);
    } finally {
      clearInterval(timer);
      socket.destroy();
    }
    // Still taking spans.
    const { body } = traceRequest('hello-web', [{}]);
    const answer = await fetch(`${pipeline.collector.browserUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(answer.status, 200);
  },
);

test("a body over the browser receiver's cap is refused with 400, and counted", async () => {
  const { browser, http } = pipeline.collector.ports;
  const oversized = traceRequest('hello-web', [{ attributes: { payload: 'x'.repeat(BODY_CAP) } }]);
  const refused = await answeredWith(400, browser);
  const answer = await post(pipeline.collector.browserUrl, oversized.body);
  assert.equal(answer.status, 400, answer.text);
  assert.match(answer.text, /request body too large/);
  assert.equal(await answeredWith(400, browser), refused + 1, 'http_server_request_duration_count{…="400"}');
  await assertNotStored(oversized.traceId);
  // The same body is the server's to send: its receiver has no such cap.
  assert.equal((await post(pipeline.collector.url, oversized.body)).status, 200);
  assert.equal(await answeredWith(400, http), 0);
});

test('the cap bounds the spans in one request', async () => {
  const fullest = fullestRequest(BODY_CAP);
  assert.ok(fullest.spans < 200, `${fullest.spans} spans fit under the cap`);
  assert.equal((await post(pipeline.collector.browserUrl, fullest.body)).status, 200);
  assert.equal((await storedTrace(fullest.traceId, fullest.spans)).spans.length, fullest.spans);

  const many = traceRequest('hello-web', noteSpans(fullest.spans * 10));
  assert.equal((await post(pipeline.collector.browserUrl, many.body)).status, 400);
  await assertNotStored(many.traceId);
});

test('long values, names and messages arrive cut to size, and Jaeger stores the span', async () => {
  for (const length of [100 * 1024, 1024 * 1024]) {
    const long = 'v'.repeat(length);
    const { traceId, body } = traceRequest(
      'hello-server',
      [
        {
          name: 'n'.repeat(length),
          error: long,
          attributes: { long },
          events: [{ name: 'e'.repeat(length), attributes: { long } }],
        },
      ],
      { 'host.long': long },
    );
    // The server's receiver takes bodies this large; Badger alone would refuse such a span after a 200.
    assert.equal((await post(pipeline.collector.url, body)).status, 200);
    const [span] = (await storedTrace(traceId)).spans;
    assert.equal(span.name, 'n'.repeat(NAME_LIMIT), `span name of ${length} bytes`);
    assert.equal(span.attributes.long, 'v'.repeat(VALUE_LIMIT));
    assert.equal(span.status.message, 'v'.repeat(VALUE_LIMIT));
    assert.equal(span.events[0].name, 'e'.repeat(NAME_LIMIT));
    assert.equal(span.events[0].attributes.long, 'v'.repeat(VALUE_LIMIT));
    assert.equal((await storedTrace(traceId)).resource['host.long'], 'v'.repeat(VALUE_LIMIT));
  }
  // The page's path cuts them too, within its cap.
  const { traceId, body } = traceRequest('hello-web', [{ attributes: { long: 'w'.repeat(20_000) } }]);
  assert.equal((await post(pipeline.collector.browserUrl, body)).status, 200);
  assert.equal((await storedTrace(traceId)).spans[0].attributes.long, 'w'.repeat(VALUE_LIMIT));
});

test("a browser payload that claims another service is stored as the page's, with the claim kept", async () => {
  const forged = traceRequest('hello-server', [{ name: 'GET /hello' }]);
  assert.equal((await post(pipeline.collector.browserUrl, forged.body)).status, 200);
  const stored = await storedTrace(forged.traceId);
  assert.equal(stored.spans[0].service, 'hello-web');
  assert.equal(stored.resource['app.claimed_service.name'], 'hello-server');

  const nameless = traceRequest(undefined, [{}]);
  assert.equal((await post(pipeline.collector.browserUrl, nameless.body)).status, 200);
  assert.equal((await storedTrace(nameless.traceId)).spans[0].service, 'hello-web');

  const own = traceRequest('hello-web', [{}]);
  assert.equal((await post(pipeline.collector.browserUrl, own.body)).status, 200);
  assert.equal((await storedTrace(own.traceId)).resource['app.claimed_service.name'], undefined);

  // The server's receiver, which the page never reaches, keeps the name it is given.
  const server = traceRequest('hello-server', [{}]);
  assert.equal((await post(pipeline.collector.url, server.body)).status, 200);
  assert.equal((await storedTrace(server.traceId)).spans[0].service, 'hello-server');
});

test("only the browser receiver grants CORS, and only to the page's origin", async () => {
  const page = `http://localhost:${pagePort}`;
  assert.equal(await preflight(pipeline.collector.browserUrl, page), page);
  assert.equal(await preflight(pipeline.collector.browserUrl, 'http://evil.example'), null);
  assert.equal(await preflight(pipeline.collector.url, page), null);
  const answer = await fetch(`${pipeline.collector.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: page },
    body: traceRequest('hello-web', [{}]).body,
  });
  assert.equal(answer.headers.get('access-control-allow-origin'), null);
});

test('malformed bodies are refused with 400 on both receivers', async () => {
  const { body } = traceRequest('hello-web', [{}]);
  const cases: [string, string | Buffer<ArrayBuffer>, Record<string, string>?][] = [
    ['malformed JSON', '{"resourceSpans": [{'],
    ['a trace id that is not hex', body.replace(/"traceId":"[0-9a-f]{32}"/, `"traceId":"${'z'.repeat(32)}"`)],
    ['a span id of the wrong length', body.replace(/"spanId":"[0-9a-f]{16}"/, '"spanId":"abc"')],
    ['a false Content-Encoding', body, { 'content-encoding': 'gzip' }],
    ['a zip bomb', gzipSync(Buffer.alloc(10 * 1024 * 1024, ' ')), { 'content-encoding': 'gzip' }],
    ['a 30 MiB body', `{"resourceSpans":[],"x":"${'x'.repeat(30 * 1024 * 1024)}"}`],
  ];
  for (const baseUrl of [pipeline.collector.browserUrl, pipeline.collector.url]) {
    for (const [what, payload, headers] of cases) {
      // A zip bomb of 10 MiB fits the server's 20 MiB cap, where it is only whitespace.
      if (what === 'a zip bomb' && baseUrl === pipeline.collector.url) continue;
      const answer = await post(baseUrl, payload, headers);
      assert.equal(answer.status, 400, `${what} at ${baseUrl}: ${answer.status} ${answer.text.slice(0, 200)}`);
    }
  }
  assert.equal((await fetch(`http://127.0.0.1:${pipeline.collector.ports.health}/`)).status, 200);
});

test(
  "a flood from one client: the collector's own memory stays under 300 MiB and the server's spans still arrive",
  { timeout: 120_000 },
  async () => {
    const FLOOD_MS = 10_000;
    const MEMORY_BOUND_MIB = 300;
    const fullest = fullestRequest(BODY_CAP);
    const floodEnds = Date.now() + FLOOD_MS;
    let sent = 0;
    const statuses = new Map<number, number>();
    // 16 connections at once, each sending the fullest request it may, again and again.
    const flood = Array.from({ length: 16 }, async () => {
      while (Date.now() < floodEnds) {
        const { status } = await post(pipeline.collector.browserUrl, fullest.body).catch(() => ({ status: 0 }));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        sent++;
      }
    });
    // Meanwhile the server's path: a batch of 100 spans every 100 ms, each batch a trace of its own.
    const serverTraces: string[] = [];
    const serverPath = (async () => {
      while (Date.now() < floodEnds) {
        const { traceId, body } = traceRequest(
          'hello-server',
          Array.from({ length: 100 }, () => ({})),
        );
        const answer = await post(pipeline.collector.url, body);
        assert.equal(answer.status, 200, `the server's receiver during the flood: ${answer.text}`);
        serverTraces.push(traceId);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    // Its own memory, sampled: the pages of its queue's file, which it maps, are the kernel's to drop.
    let peakMiB = 0;
    while (Date.now() < floodEnds) {
      peakMiB = Math.max(peakMiB, (await memoryMiB(pipeline.collector.process)).anon);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await Promise.all([...flood, serverPath]);
    const { anon, peak } = await memoryMiB(pipeline.collector.process);
    peakMiB = Math.max(peakMiB, anon);
    console.log(
      `# flood: ${sent} requests of ${fullest.spans} spans in ${FLOOD_MS / 1000} s, answers ${JSON.stringify(Object.fromEntries(statuses))}; collector's own memory at most ${peakMiB.toFixed(0)} MiB, peak RSS with its queue's file ${peak.toFixed(0)} MiB`,
    );
    assert.ok(peakMiB < MEMORY_BOUND_MIB, `the collector's own memory reached ${peakMiB.toFixed(0)} MiB`);
    // Every span the server's path sent during the flood is in Jaeger.
    for (const traceId of serverTraces) await storedTrace(traceId, 100);
    assert.ok(serverTraces.length >= 30, `${serverTraces.length} server spans sent during the flood`);
  },
);
