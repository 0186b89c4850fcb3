// `npm start`, the native stack, as a user runs it, with every address of .env moved to a free port:
// each part must listen where its variable says and the rest of the stack must follow it there.
// Ctrl-C stops the parts in reverse order; the next `npm start` still has the trace in Jaeger.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertHelloTrace, HELLO_SPANS } from './support/hello-trace.ts';
import { clickSayHello, freePort, launchChromium } from './support/page.ts';
import { traceFromJaeger } from './support/pipeline.ts';
import { repoRoot } from './support/processes.ts';

const ADDRESSES = [
  'PAGE_PORT',
  'SERVER_PORT',
  'COLLECTOR_GRPC_PORT',
  'COLLECTOR_HTTP_PORT',
  'COLLECTOR_HEALTH_PORT',
  'COLLECTOR_METRICS_PORT',
  'JAEGER_UI_PORT',
  'JAEGER_GRPC_QUERY_PORT',
  'JAEGER_OTLP_PORT',
  'JAEGER_HEALTH_PORT',
  'JAEGER_METRICS_PORT',
];

let ports: Record<string, number>;
let dataDir: string;
let browser: Browser;

before(async () => {
  ports = Object.fromEntries(await Promise.all(ADDRESSES.map(async (name) => [name, await freePort()] as const)));
  dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-start-'));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** `npm start` in a process group of its own, as in a terminal; resolves once it is ready. */
async function npmStart() {
  const env = {
    ...process.env,
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    JAEGER_DATA_DIR: dataDir,
    // Read by no part of the stack: each has variables of its own.
    PORT: 'not a port',
    HOST: 'not a host',
  };
  const child = spawn('npm', ['start', '--silent'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  // Every part writes to these pipes: they close once the last one has exited.
  const closed = once(child.stdout, 'close');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT');
    await closed;
    return output;
  };
  const deadline = Date.now() + 600_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not get ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { output: () => output, stop };
}

const at = (name: string, path = '') => `http://localhost:${ports[name]}${path}`;

test('every address moves its part, the stack follows, and Ctrl-C stops the parts in reverse order', { timeout: 900_000 }, async () => {
  const stack = await npmStart();
  let traceId = '';
  try {
    assert.match(stack.output(), new RegExp(`Open ${at('PAGE_PORT')} `));
    for (const [name, path] of [['SERVER_PORT', '/healthz'], ['COLLECTOR_HEALTH_PORT', '/'], ['JAEGER_HEALTH_PORT', '/status'], ['PAGE_PORT', '/']]) {
      assert.equal((await fetch(`http://127.0.0.1:${ports[name]}${path}`)).status, 200, name);
    }
    const tab = await browser.newPage();
    await tab.goto(at('PAGE_PORT'));
    traceId = await clickSayHello(tab);
    assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
    // The page's spans reached the collector (its CORS on PAGE_PORT), the server's too, and Jaeger
    // has them all: the page server read the waterfall from it on JAEGER_UI_PORT.
    await tab.getByTestId('waterfall').waitFor({ timeout: 30_000 });
    assertHelloTrace(await traceFromJaeger(at('JAEGER_UI_PORT'), traceId, HELLO_SPANS), { url: at('SERVER_PORT', '/hello'), name: 'GoFrame' });
    await tab.close();
  } finally {
    const output = await stack.stop();
    const stopped = [...output.matchAll(/\[start\] stopping (\w+)/g)].map(([, part]) => part);
    assert.deepEqual(stopped, ['web', 'server', 'collector', 'jaeger'], output);
    assert.match(output, /\[start\] stopped\n/);
  }
  for (const name of ['SERVER_PORT', 'COLLECTOR_HEALTH_PORT', 'JAEGER_HEALTH_PORT', 'PAGE_PORT']) {
    await assert.rejects(fetch(`http://127.0.0.1:${ports[name]}/`), `${name} is still answering`);
  }

  // The next start finds the trace in Jaeger's folder, and the page opens with either spelling of loopback.
  const again = await npmStart();
  try {
    const spans = await traceFromJaeger(at('JAEGER_UI_PORT'), traceId, HELLO_SPANS, { timeoutMs: 5_000 });
    assertHelloTrace(spans, { url: at('SERVER_PORT', '/hello'), name: 'GoFrame' });
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${ports.PAGE_PORT}`);
    await clickSayHello(tab);
    assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
    await tab.getByTestId('waterfall').waitFor({ timeout: 30_000 });
    await tab.close();
  } finally {
    await again.stop();
  }
});
