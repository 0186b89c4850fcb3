// The tracing preload's outgoing calls (server/src/tracing/outgoing-calls.ts): a script makes one
// http.get and one fetch to a server of the test's, inside a span, and exports to a receiver.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { outgoingCalls } from '@hello-trace/node-tracing/outgoing-calls';
import { OtlpReceiver, SpanKind } from '@hello-trace/harness/testing/otlp-receiver';
import { repoRoot } from '@hello-trace/harness/testing/processes';

const CALLS = `
const http = require('node:http');
const { trace } = require('@opentelemetry/api');
trace.getTracer('calls').startActiveSpan('Calls', async (span) => {
  await new Promise((resolve) => http.get(process.env.TARGET + '/http', (res) => res.resume().on('end', resolve)));
  await (await fetch(process.env.TARGET + '/fetch')).text();
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

/** Runs the calls with the preload and these variables; resolves with the paths (of `url.full`) of their CLIENT spans. */
async function clientSpans(env: Record<string, string>): Promise<string[]> {
  const service = `calls-${crypto.randomUUID()}`;
  await promisify(execFile)(
    process.execPath,
    ['--env-file=otel.env', '--import', './tracing/instrumentation.ts', '--eval', CALLS],
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
  assert.ok(
    spans.some((span) => span.name === 'Calls'),
    'the script ran',
  );
  const calls = spans.find((span) => span.name === 'Calls')!;
  return spans
    .filter((span) => span.kind === SpanKind.CLIENT)
    .map((span) => {
      assert.equal(span.parentSpanId, calls.spanId);
      return new URL(String(span.attributes['url.full'])).pathname;
    })
    .toSorted();
}

/** What outgoing-calls.ts returns beside these official instrumentations, in this process, turned off at once. */
function instrumentationNames(official: Instrumentation[]): string[] {
  for (const instrumentation of official) instrumentation.disable();
  return outgoingCalls(official).map((instrumentation) => {
    instrumentation.disable();
    return instrumentation.instrumentationName;
  });
}
test('by default each outgoing http request and fetch is one CLIENT span', async () => {
  assert.deepEqual(await clientSpans({}), ['/fetch', '/http']);
});

test('with the official http instrumentation: one HttpInstrumentation, not two, and one CLIENT span per call', async () => {
  // A second HttpInstrumentation would replace the official one's outgoing patch (instrumentation
  // 0.301.0 unwraps before it wraps), so the spans alone cannot tell: ask the module itself.
  assert.deepEqual(instrumentationNames([]), [
    '@opentelemetry/instrumentation-http',
    '@opentelemetry/instrumentation-undici',
  ]);
  assert.deepEqual(instrumentationNames([new HttpInstrumentation()]), ['@opentelemetry/instrumentation-undici']);
  assert.deepEqual(await clientSpans({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express' }), ['/fetch', '/http']);
  assert.deepEqual(await clientSpans({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' }), ['/fetch', '/http']);
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS turns them off', async () => {
  assert.deepEqual(await clientSpans({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' }), ['/fetch']);
  assert.deepEqual(await clientSpans({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' }), ['/http']);
  assert.deepEqual(await clientSpans({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http,undici' }), []);
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS with an unknown name stops the start with one plain line', async () => {
  const failed = await promisify(execFile)(
    process.execPath,
    ['--env-file=../.env', '--env-file=otel.env', '--import', './tracing/instrumentation.ts', 'src/main.ts'],
    { cwd: join(repoRoot, 'server'), env: { ...process.env, OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http,fetch' } },
  ).then(
    () => assert.fail('the server started'),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(failed.code, 1);
  assert.equal(
    failed.stderr,
    'hello-server cannot start: OTEL_NODE_DISABLED_INSTRUMENTATIONS may list http and undici, got "fetch"\n',
  );
});
