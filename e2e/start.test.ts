// `npm start`, the native stack, as a user runs it, with every address of .env moved to a free port:
// each part must listen where its variable says and the rest of the stack must follow it there.
// Ctrl-C stops the parts in reverse order; the next `npm start` still has the trace in Jaeger.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertDownstreamTrace, DOWNSTREAM_CLICK_SPANS } from '@hello-trace/harness/testing/downstream';
import { assertHelloTrace, HELLO_SPANS } from '@hello-trace/harness/testing/hello-trace';
import { clickSayHello, launchChromium, waitForWaterfall } from '@hello-trace/harness/testing/page';
import { traceFromJaeger } from '@hello-trace/harness/testing/pipeline';
import { freeAddresses, startStack } from '@hello-trace/harness/testing/processes';

let ports: Record<string, string>;
let dataDir: string;
let browser: Browser;

before(async () => {
  ports = await freeAddresses();
  dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-start-'));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Every address on its free port, Jaeger's and the collector's folders, and the shared PORT and HOST, which no part reads. */
function stackEnv(): Record<string, string> {
  return {
    ...ports,
    JAEGER_DATA_DIR: join(dataDir, 'jaeger'),
    COLLECTOR_DATA_DIR: join(dataDir, 'collector'),
    PORT: 'not a port',
    HOST: 'not a host',
  };
}

const at = (name: string, path = '') => `http://localhost:${ports[name]}${path}`;

test(
  'every address moves its part, the stack follows, and Ctrl-C stops the parts in reverse order',
  { timeout: 900_000 },
  async () => {
    const stack = await startStack(stackEnv());
    let traceId = '';
    try {
      assert.match(stack.output(), new RegExp(`Open ${at('PAGE_PORT')} `));
      for (const [name, path] of [
        ['SERVER_PORT', '/healthz'],
        ['GREETER_PORT', '/healthz'],
        ['COLLECTOR_HEALTH_PORT', '/'],
        ['JAEGER_HEALTH_PORT', '/status'],
        ['PAGE_PORT', '/'],
      ]) {
        assert.equal((await fetch(`http://127.0.0.1:${ports[name]}${path}`)).status, 200, name);
      }
      const tab = await browser.newPage();
      await tab.goto(at('PAGE_PORT'));
      traceId = await clickSayHello(tab);
      assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
      // The page's spans reached the collector (its CORS on PAGE_PORT), the server's too, and Jaeger
      // has them all: the page server read the waterfall from it on JAEGER_UI_PORT.
      await waitForWaterfall(tab, 30_000);
      assertHelloTrace(await traceFromJaeger(at('JAEGER_UI_PORT'), traceId, HELLO_SPANS), {
        url: at('SERVER_PORT', '/hello'),
        name: 'GoFrame',
      });
      await tab.close();
    } finally {
      const output = await stack.stop();
      const stopped = [...output.matchAll(/\[start\] stopping ([\w-]+)/g)].map(([, part]) => part);
      assert.deepEqual(stopped, ['page-server', 'server', 'greeter', 'collector', 'jaeger'], output);
      assert.match(output, /\[start\] stopped\n/);
    }
    for (const name of ['SERVER_PORT', 'GREETER_PORT', 'COLLECTOR_HEALTH_PORT', 'JAEGER_HEALTH_PORT', 'PAGE_PORT']) {
      await assert.rejects(fetch(`http://127.0.0.1:${ports[name]}/`), `${name} is still answering`);
    }

    // The next start finds the trace in Jaeger's folder, and the page opens with either spelling of loopback.
    const again = await startStack(stackEnv());
    try {
      const spans = await traceFromJaeger(at('JAEGER_UI_PORT'), traceId, HELLO_SPANS, { timeoutMs: 5_000 });
      assertHelloTrace(spans, { url: at('SERVER_PORT', '/hello'), name: 'GoFrame' });
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${ports.PAGE_PORT}`);
      await clickSayHello(tab);
      assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
      await waitForWaterfall(tab, 30_000);
      await tab.close();
    } finally {
      await again.stop();
    }
  },
);

test(
  'downstream: the server reaches the greeter on GREETER_PORT, and Jaeger holds the trace of all three',
  {
    timeout: 900_000,
  },
  async () => {
    const stack = await startStack(stackEnv());
    try {
      const tab = await browser.newPage();
      await tab.goto(at('PAGE_PORT'));
      await tab.getByLabel('Scenario').selectOption('downstream');
      const traceId = await clickSayHello(tab);
      assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
      const spans = await traceFromJaeger(at('JAEGER_UI_PORT'), traceId, DOWNSTREAM_CLICK_SPANS);
      assert.deepEqual(
        new Set(spans.map((span) => span.service)),
        new Set(['hello-web', 'hello-server', 'hello-greeter']),
      );
      assertDownstreamTrace(spans, { greeterUrl: `http://127.0.0.1:${ports.GREETER_PORT}`, name: 'GoFrame' });
      await tab.close();
    } finally {
      await stack.stop();
    }
  },
);
