// The server's tracing preload in an app as small as OpenTelemetry's dice example, an ES module that
// imports node:http and has no signal handler of its own: its requests are SERVER spans of the stock
// instrumentation-http, and SIGTERM and SIGINT flush every ended span, then end the process as the
// signal would. (An app that drains on a signal, as the hello server does, is in server.test.ts.)
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { OtlpReceiver, SpanKind } from '@hello-trace/harness/testing/otlp-receiver';
import { repoRoot, startProcess } from '@hello-trace/harness/testing/processes';

const REQUESTS = 200;

/** e2e/fixtures/dice-app.ts with the server's preload and these OTEL_* variables. */
function startDiceApp(env: Record<string, string>) {
  return startProcess(
    process.execPath,
    ['--import', './server/tracing/instrumentation.ts', 'e2e/fixtures/dice-app.ts'],
    {
      cwd: repoRoot,
      env: { OTEL_SERVICE_NAME: 'dice-app', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', ...env },
      readyPattern: /listening on (http\S+)/,
    },
  );
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} in an app without a handler of its own flushes every ended span, then ends as ${signal}`, async () => {
    const receiver = new OtlpReceiver();
    await receiver.start();
    // A batch delay far beyond the test's length: only the flush on exit can deliver these spans.
    const app = await startDiceApp({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' });
    try {
      for (let i = 0; i < REQUESTS; i++) await (await fetch(app.ready[1])).text();
      assert.equal(receiver.spans.length, 0, 'spans were sent before the signal');
      const exited = once(app.child, 'exit');
      app.child.kill(signal);
      assert.deepEqual(await exited, [null, signal]);
      const count = (predicate: (span: (typeof receiver.spans)[number]) => boolean) =>
        receiver.spans.filter(predicate).length;
      assert.equal(
        count((span) => span.name === 'rollOnce'),
        REQUESTS,
        'rollOnce spans received',
      );
      assert.equal(
        count((span) => span.kind === SpanKind.SERVER && span.scope === '@opentelemetry/instrumentation-http'),
        REQUESTS,
        'SERVER spans received',
      );
    } finally {
      await app.stop();
      await receiver.stop();
    }
  });
}

test('with no collector, SIGTERM still ends the app within the exporter timeout, saying what was lost', async () => {
  const receiver = new OtlpReceiver();
  await receiver.start();
  const deadEndpoint = receiver.url;
  await receiver.stop();
  const app = await startDiceApp({
    OTEL_EXPORTER_OTLP_ENDPOINT: deadEndpoint,
    OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  });
  try {
    await (await fetch(app.ready[1])).text();
    const exited = once(app.child, 'exit');
    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    assert.deepEqual(await exited, [null, 'SIGTERM']);
    const tookMs = Date.now() - signalledAt;
    assert.ok(tookMs < 5_000, `exited ${tookMs} ms after SIGTERM`);
    assert.match(app.output(), /OpenTelemetry: the last spans were lost: .*ECONNREFUSED/);
  } finally {
    await app.stop();
  }
});
