// The tracing preload's outgoing calls: a script makes one http.get and one fetch to a server of the
// test's, inside a span, and exports to a receiver; OTEL_NODE_ENABLED_INSTRUMENTATIONS and
// OTEL_NODE_DISABLED_INSTRUMENTATIONS choose which of them are traced, as they do upstream; a long
// query (QUERY) is kept to 1 KiB on their spans; credentials and sensitive query values are REDACTED.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { OtlpReceiver, SpanKind, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import { repoRoot } from '@hello-trace/harness/testing/processes';

const CALLS = `
const http = require('node:http');
const { trace } = require('@opentelemetry/api');
trace.getTracer('calls').startActiveSpan('Calls', async (span) => {
  await new Promise((resolve) => http.get(process.env.TARGET + '/http' + (process.env.QUERY ?? ''), (res) => res.resume().on('end', resolve)));
  await (await fetch(process.env.TARGET + '/fetch' + (process.env.QUERY ?? ''))).text();
  span.end();
});`;

// The same as an ES module. It calls http.get through the module object: a function imported by name
// (import { get } from 'node:http') may keep the one it got before instrumentation-http patched it.
const ESM_CALLS = `
import http from 'node:http';
import { trace } from '@opentelemetry/api';
trace.getTracer('calls').startActiveSpan('Calls', async (span) => {
  await new Promise((resolve) => http.get(process.env.TARGET + '/http' + (process.env.QUERY ?? ''), (res) => res.resume().on('end', resolve)));
  await (await fetch(process.env.TARGET + '/fetch' + (process.env.QUERY ?? ''))).text();
  span.end();
});`;

// The same calls with secrets: credentials in http.get's URL (fetch refuses them), sensitive query
// parameters in both.
const CALLS_WITH_SECRETS = `
const http = require('node:http');
const { trace } = require('@opentelemetry/api');
const query = '?token=secret&x=1&session_key=secret';
trace.getTracer('calls').startActiveSpan('Calls', async (span) => {
  const withCredentials = process.env.TARGET.replace('://', '://user:secret@');
  await new Promise((resolve) => http.get(withCredentials + '/http' + query, (res) => res.resume().on('end', resolve)));
  await (await fetch(process.env.TARGET + '/fetch' + query)).text();
  span.end();
});`;

let receiver: OtlpReceiver;
const target = createServer((_request, response) => response.end('ok'));
let targetUrl: string;

before(async () => {
  receiver = new OtlpReceiver();
  await receiver.start();
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});

after(async () => {
  target.close();
  await receiver.stop();
});

/**
 * Runs the calls with the preload and these variables; resolves with their CLIENT spans, the paths
 * (of `url.full`) of those, and what the script printed on stderr.
 */
async function clientSpans(
  env: Record<string, string>,
  script = CALLS,
): Promise<{ spans: ReceivedSpan[]; paths: string[]; stderr: string }> {
  const service = `calls-${crypto.randomUUID()}`;
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [
      '--env-file=otel.env',
      '--import',
      './tracing/instrumentation.ts',
      ...(script === ESM_CALLS ? ['--input-type=module'] : []),
      '--eval',
      script,
    ],
    {
      cwd: join(repoRoot, 'server'),
      env: {
        ...process.env,
        OTEL_SERVICE_NAME: service,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        TARGET: targetUrl,
        ...env,
      },
    },
  );
  // The process flushed its spans before it exited.
  const spans = receiver.spans.filter((span) => span.service === service);
  const calls = spans.find((span) => span.name === 'Calls');
  assert.ok(calls, 'the script ran');
  const clients = spans.filter((span) => span.kind === SpanKind.CLIENT);
  const paths = clients
    .map((span) => {
      assert.equal(span.parentSpanId, calls.spanId);
      return new URL(String(span.attributes['url.full'])).pathname;
    })
    .toSorted();
  return { spans: clients, paths, stderr };
}

test('by default each outgoing http request and fetch is one CLIENT span, in a CommonJS script and in an ES module', async () => {
  assert.deepEqual((await clientSpans({})).paths, ['/fetch', '/http']);
  assert.deepEqual((await clientSpans({}, ESM_CALLS)).paths, ['/fetch', '/http']);
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS turns off the instrumentations it names', async () => {
  assert.deepEqual((await clientSpans({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' })).paths, ['/fetch']);
  assert.deepEqual((await clientSpans({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' })).paths, ['/http']);
  assert.deepEqual((await clientSpans({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http, undici' })).paths, []);
});

test('OTEL_NODE_ENABLED_INSTRUMENTATIONS keeps only those it names; DISABLED wins over it', async () => {
  assert.deepEqual((await clientSpans({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'undici' })).paths, ['/fetch']);
  assert.deepEqual((await clientSpans({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express' })).paths, ['/http']);
  const both = { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' };
  assert.deepEqual((await clientSpans(both)).paths, ['/fetch']);
});

test('an unknown name in either variable is reported in one line and ignored; the process runs on', async () => {
  const { paths, stderr } = await clientSpans({
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,fetch',
    OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg',
  });
  assert.deepEqual(paths, ['/fetch', '/http']);
  assert.equal(
    stderr,
    'OpenTelemetry: OTEL_NODE_ENABLED_INSTRUMENTATIONS names "fetch", which this app does not offer (it offers http, express, undici): ignored.\n' +
      'OpenTelemetry: OTEL_NODE_DISABLED_INSTRUMENTATIONS names "pg", which this app does not offer (it offers http, express, undici): ignored.\n',
  );
});

test("a caller's long value in an outgoing URL is kept to 1 KiB on both CLIENT spans", async () => {
  const { spans, paths } = await clientSpans({ QUERY: `?pad=${'a'.repeat(4000)}` });
  assert.deepEqual(paths, ['/fetch', '/http']);
  for (const span of spans) {
    for (const key of ['url.full', 'url.query']) {
      const value = span.attributes[key];
      if (value !== undefined) assert.equal(String(value).length, 1024, `${span.scope}: ${key}`);
    }
  }
});

test('credentials and the values of sensitive query parameters are REDACTED on both CLIENT spans', async () => {
  const { spans, paths, stderr } = await clientSpans(
    { TRACING_REDACT_QUERY_PARAMS: 'session_key' },
    CALLS_WITH_SECRETS,
  );
  assert.deepEqual(paths, ['/fetch', '/http']);
  assert.equal(stderr, '');
  const scrubbed = '?token=REDACTED&x=1&session_key=REDACTED';
  const byScope = Object.fromEntries(spans.map((span) => [span.scope, span.attributes]));
  assert.equal(
    byScope['@opentelemetry/instrumentation-http']['url.full'],
    `${targetUrl.replace('://', '://REDACTED:REDACTED@')}/http${scrubbed}`,
  );
  assert.equal(byScope['@opentelemetry/instrumentation-undici']['url.full'], `${targetUrl}/fetch${scrubbed}`);
  assert.equal(byScope['@opentelemetry/instrumentation-undici']['url.query'], scrubbed);
  // Nowhere else either: no name, attribute, event or status of any span the process sent.
  assert.doesNotMatch(JSON.stringify(receiver.spans), /secret/);
});
