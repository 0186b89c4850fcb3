// A corpus of hostile requests against the real server with its tracing preload (the stock SERVER
// span, and the lean opt-in), sent over raw sockets so that nothing is cleaned up on the way: no
// crash, no 5xx, plain text only; and a caller who fills a trace of its choosing with long values.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { ONE_CLIENT_LOAD_RATE } from '@hello-trace/harness/testing/load';
import { OtlpReceiver, SpanKind } from '@hello-trace/harness/testing/otlp-receiver';
import { startServer } from '@hello-trace/harness/testing/processes';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CHOSEN_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
/** What the tracing keeps of a value the caller chooses (caller-values.ts). */
const CALLER_VALUE_LIMIT = 1024;
const long = (length: number) => 'a'.repeat(length);
const VALID_TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`;
const SCRIPT = '<script>alert(1)</script>';

let receiver: OtlpReceiver;

before(async () => {
  receiver = new OtlpReceiver();
  await receiver.start();
});

after(async () => {
  await receiver?.stop();
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends one request exactly as written and reads the whole answer. */
function send(port: number, method: string, path: string, headers: [string, string][]): Promise<RawResponse> {
  const head = [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...headers.map(([k, v]) => `${k}: ${v}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(`${head.join('\r\n')}\r\n\r\n`));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [headText, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...headerLines] = headText.split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      if (!status)
        return reject(new Error(`no HTTP answer to ${method} ${path}: ${JSON.stringify(text.slice(0, 200))}`));
      const parsed = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      resolve({ status, headers: parsed, body: rest.join('\r\n\r\n') });
    });
  });
}

const manyEntries = (count: number) => Array.from({ length: count }, (_, i) => `k${i}=v${i}`).join(',');

const CORPUS: { label: string; method?: string; path?: string; headers: [string, string][] }[] = [
  { label: 'empty traceparent', headers: [['traceparent', '']] },
  { label: 'garbage traceparent', headers: [['traceparent', 'garbage']] },
  { label: 'traceparent with bad hex', headers: [['traceparent', `00-${'g'.repeat(32)}-b7ad6b7169203331-01`]] },
  { label: 'traceparent version ff', headers: [['traceparent', `ff-${TRACE_ID}-b7ad6b7169203331-01`]] },
  { label: 'traceparent all zero', headers: [['traceparent', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`]] },
  { label: 'oversized traceparent', headers: [['traceparent', `${VALID_TRACEPARENT}-${'a'.repeat(9000)}`]] },
  { label: 'traceparent with markup', headers: [['traceparent', SCRIPT]] },
  {
    label: 'two traceparents',
    headers: [
      ['traceparent', VALID_TRACEPARENT],
      ['traceparent', `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`],
    ],
  },
  {
    label: 'tracestate of 40 entries',
    headers: [
      ['traceparent', VALID_TRACEPARENT],
      ['tracestate', manyEntries(40)],
    ],
  },
  {
    label: 'tracestate with bad keys',
    headers: [
      ['traceparent', VALID_TRACEPARENT],
      ['tracestate', 'UPPER=1,=x,a b=c,,,'],
    ],
  },
  {
    label: 'oversized tracestate',
    headers: [
      ['traceparent', VALID_TRACEPARENT],
      ['tracestate', `a=${'b'.repeat(9000)}`],
    ],
  },
  { label: 'baggage over 8192 bytes', headers: [['baggage', `name=${'x'.repeat(9000)}`]] },
  { label: 'baggage of 200 entries', headers: [['baggage', `name=GoFrame,${manyEntries(200)}`]] },
  { label: 'baggage with bad percent-encoding', headers: [['baggage', 'name=%E0%A4%A,other=%%%']] },
  { label: 'baggage with control characters, encoded', headers: [['baggage', 'name=%00%01%1B%7F']] },
  { label: 'baggage with markup', headers: [['baggage', `name=${encodeURIComponent(SCRIPT)}`]] },
  { label: 'baggage with raw markup', headers: [['baggage', `name=${SCRIPT}`]] },
  { label: 'baggage with properties and duplicates', headers: [['baggage', 'name=a;p=1;q,name=b, name = c ']] },
  { label: 'baggage without a value', headers: [['baggage', 'name']] },
  { label: 'a header with a control character', headers: [['baggage', 'name=Go\u0001Frame']] },
  { label: 'a header of 20 KB', headers: [['x-padding', 'x'.repeat(20_000)]] },
  { label: '300 headers', headers: Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v'] as [string, string]) },
  { label: 'unknown scenario with markup', path: `/hello?scenario=${encodeURIComponent(SCRIPT)}`, headers: [] },
  { label: 'path with markup', path: `/${encodeURIComponent(SCRIPT)}`, headers: [] },
  { label: 'malformed percent-encoding in the query', path: '/hello?scenario=%E0%A4%A', headers: [] },
  ...['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'HEAD', 'FOO'].map((method) => ({
    label: `method ${method}`,
    method,
    headers: [] as [string, string][],
  })),
  {
    label: 'preflight from the page',
    method: 'OPTIONS',
    headers: [
      ['Origin', 'http://localhost:5173'],
      ['Access-Control-Request-Method', 'GET'],
      ['Access-Control-Request-Headers', 'traceparent,baggage'],
    ],
  },
  {
    label: 'preflight from another origin',
    method: 'OPTIONS',
    headers: [
      ['Origin', 'http://evil.example'],
      ['Access-Control-Request-Method', 'GET'],
    ],
  },
  {
    label: 'preflight with a hostile origin',
    method: 'OPTIONS',
    headers: [
      ['Origin', SCRIPT],
      ['Access-Control-Request-Method', 'DELETE'],
      ['Access-Control-Request-Headers', `x-${'a'.repeat(5000)}`],
    ],
  },
];

for (const [setup, env] of [
  ['the stock SERVER span', {}],
  ['the lean SERVER span', { TRACING_LEAN_SERVER_SPAN: 'true' }],
] as const) {
  test(`with ${setup}, no request of the corpus crashes the server or gets a 5xx; answers are plain text`, async () => {
    // The corpus comes faster than any visitor's clicks: past /hello's rate it would only get 429s.
    const server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...ONE_CLIENT_LOAD_RATE, ...env });
    try {
      const port = Number(new URL(server.ready[1]).port);
      for (const { label, method = 'GET', path = '/hello', headers } of CORPUS) {
        const response = await send(port, method, path, headers);
        assert.ok(response.status < 500, `${label}: ${response.status}`);
        assert.equal(response.headers['x-content-type-options'], 'nosniff', `${label}: nosniff`);
        if (response.body)
          assert.match(
            response.headers['content-type'] ?? '',
            /^text\/plain; charset=utf-8$/,
            `${label}: content type`,
          );
        assert.notEqual(response.headers['access-control-allow-origin'], SCRIPT, label);
        if (label === 'preflight from another origin' || label === 'preflight with a hostile origin') {
          assert.equal(response.headers['access-control-allow-origin'], undefined, label);
        }
      }
      // Still up, and still tracing.
      const response = await send(port, 'GET', '/hello', [
        ['traceparent', VALID_TRACEPARENT],
        ['baggage', 'name=GoFrame'],
      ]);
      assert.equal(response.body, 'hello:GoFrame');
      assert.match(response.headers.traceresponse ?? '', new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      assert.equal(server.child.exitCode, null);
    } finally {
      await server.stop();
    }
  });
}

for (const [setup, env] of [
  ['the stock SERVER span', {}],
  ['the lean SERVER span', { TRACING_LEAN_SERVER_SPAN: 'true' }],
] as const) {
  test(`with ${setup}, 20 requests with long values in one chosen trace keep each value to 1 KiB`, async () => {
    const server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env });
    try {
      const port = Number(new URL(server.ready[1]).port);
      const seen = receiver.spans.length;
      // Near Node's 16 KiB of headers: a query, a user agent and the addresses a proxy would set.
      for (let request = 0; request < 20; request++) {
        const response = await send(port, 'GET', `/hello?pad=${long(6000)}`, [
          ['traceparent', `00-${CHOSEN_TRACE_ID}-${(request + 1).toString(16).padStart(16, '0')}-01`],
          ['user-agent', long(4000)],
          ['x-forwarded-for', long(2000)],
          ['x-forwarded-host', long(2000)],
        ]);
        assert.equal(response.status, 200);
      }
      const inTrace = () => receiver.spans.slice(seen).filter((span) => span.traceId === CHOSEN_TRACE_ID);
      await receiver.waitFor(() => inTrace().length === 40);
      // What the 20 requests put into the trace: their 40 spans, at most 6 KiB each request.
      const bytes = inTrace().reduce((sum, span) => sum + JSON.stringify(span).length, 0);
      assert.ok(bytes <= 20 * 6 * 1024, `the trace holds ${bytes} bytes`);
      for (const span of inTrace()) {
        for (const [key, value] of Object.entries(span.attributes)) {
          if (typeof value === 'string')
            assert.ok(value.length <= CALLER_VALUE_LIMIT, `${span.name}: ${key} has ${value.length} characters`);
        }
      }
      const serverSpan = inTrace().find((span) => span.kind === SpanKind.SERVER)!;
      assert.equal(serverSpan.attributes['url.query'], `pad=${long(CALLER_VALUE_LIMIT - 'pad='.length)}`);
      assert.equal(serverSpan.attributes['user_agent.original'], long(CALLER_VALUE_LIMIT));

      const response = await send(port, 'GET', '/hello', [['baggage', 'name=GoFrame']]);
      assert.equal(response.body, 'hello:GoFrame');
      assert.equal(server.child.exitCode, null);
    } finally {
      await server.stop();
    }
  });
}
