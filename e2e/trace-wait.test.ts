// The page's waterfall behind tail sampling, in Chromium: the collector of native/otelcol, which the
// scale path's gateways are too, runs `tail_sampling` as they do (decided once a trace's root span has
// arrived, or 10 s after its first span without one; errors and slow traces kept, none of the rest)
// in front of Jaeger, and receives the server's spans and, through the page server's relay, the
// page's. The page server says TAIL_SAMPLING=true: a normal click is dropped, and after the wait the
// page says it was not kept; a failing click is kept, and drawn within seconds, well before the 10 s
// wait for a trace without its root: its root, the click's span, lets the decision through.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  clickSayHello,
  launchChromium,
  startServerAndPage,
  waitForWaterfall,
  type ServerAndPage,
} from '@hello-trace/harness/testing/page';
import { startCollector, startJaeger, type Collector, type Jaeger } from '@hello-trace/harness/testing/pipeline';
import { freePort } from '@hello-trace/harness/testing/processes';

const DECISION_WAIT_AFTER_ROOT_MS = 1000;
const SLOW_MS = 1000;
/** Less than the 10 s a trace without its root waits: only the root rule lets a kept trace through in time. */
const TRACE_WAIT_S = 6;

let jaeger: Jaeger;
let collector: Collector;
let stack: ServerAndPage;
let browser: Browser;

before(async () => {
  const pagePort = await freePort();
  jaeger = await startJaeger();
  collector = await startCollector({
    pagePort,
    jaegerOtlpPort: jaeger.ports.otlp,
    args: [
      `--config=yaml:processors::tail_sampling: ${JSON.stringify({
        decision_wait_after_root_received: `${DECISION_WAIT_AFTER_ROOT_MS}ms`,
        decision_wait: '10s',
        decision_cache: { sampled_cache_size: 1000, non_sampled_cache_size: 1000 },
        policies: [
          { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
          { name: 'slow', type: 'latency', latency: { threshold_ms: SLOW_MS } },
          { name: 'share', type: 'probabilistic', probabilistic: { sampling_percentage: 0 } },
        ],
      })}`,
      // One pipeline, one sampler, for the page's spans and the server's alike (the relay sends to this
      // receiver too), as on a gateway.
      '--set=service::pipelines::traces::processors=[memory_limiter,tail_sampling]',
    ],
  });
  stack = await startServerAndPage({
    pagePort,
    otlpUrl: collector.url,
    relayTo: collector.url,
    jaegerUrl: jaeger.url,
    pageServerEnv: {
      TAIL_SAMPLING: 'true',
      TRACE_WAIT_SECONDS: String(TRACE_WAIT_S),
      TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS: String(DECISION_WAIT_AFTER_ROOT_MS),
      TAIL_SAMPLING_SLOW_MS: String(SLOW_MS),
      TAIL_SAMPLING_KEEP_PERCENT: '0',
    },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
  await collector?.stop();
  await jaeger?.stop();
});

async function click(scenario: string): Promise<{ tab: Page; traceId: string; clickedAt: number }> {
  const tab = await browser.newPage();
  await tab.goto(stack.pageUrl);
  await tab.getByLabel('Scenario').selectOption(scenario);
  const clickedAt = Date.now();
  return { tab, traceId: await clickSayHello(tab), clickedAt };
}

test('a normal click, dropped by tail sampling: the page waits, then says the trace was not kept and why', async () => {
  const { tab, traceId, clickedAt } = await click('normal');
  assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
  await tab
    .getByTestId('trace-status')
    .filter({ hasText: 'The gateways decide whether to keep a trace 1 to 2 s after its root span' })
    .waitFor();

  const notKept = tab.getByTestId('trace-not-kept');
  await notKept.waitFor({ timeout: (TRACE_WAIT_S + 15) * 1000 });
  const waited = Date.now() - clickedAt;
  assert.ok(waited >= TRACE_WAIT_S * 1000, `the page gave up after ${waited} ms, before its ${TRACE_WAIT_S} s`);
  assert.match(
    (await notKept.textContent()) ?? '',
    new RegExp(
      `^Not kept: after ${TRACE_WAIT_S} s Jaeger has no span of this trace\\. That is expected unless it had an error or took ${SLOW_MS} ms or longer: the gateways' tail sampling keeps those traces and none of the others`,
    ),
  );
  assert.equal(await tab.getByRole('alert').count(), 0, 'not kept is no error');
  // Dropped indeed: Jaeger has none of it.
  const stored = await fetch(`${jaeger.url}/api/v3/traces/${traceId}`);
  assert.equal(stored.status, 404, await stored.text());
  await tab.close();
});

test('a failing click, kept by tail sampling: its waterfall is drawn once its root span lets the decision through', async () => {
  const { tab } = await click('failing');
  // Within the page's wait: a decision 10 s after the first span would come after the page gave up.
  await waitForWaterfall(tab, TRACE_WAIT_S * 1000);
  const rows = await tab
    .getByTestId('span-row')
    .evaluateAll((spans) =>
      spans.map((row) => `${row.getAttribute('data-service')} ${row.querySelector('.span-name')?.textContent}`),
    );
  for (const span of [
    'hello-web StartRequests',
    'hello-web GET',
    'hello-server GET /hello',
    'hello-server HelloHandler',
  ]) {
    assert.ok(rows.includes(span), `${span} in ${rows.join(', ')}`);
  }
  assert.equal(await tab.getByTestId('trace-not-kept').count(), 0);
  await tab.close();
});
