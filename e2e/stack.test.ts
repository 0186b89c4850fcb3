// The runner that npm start and npm run start:scale share (scripts/stack.ts), with small Node
// programs as its parts: they start in order, each once the one before it answers; one stops, or is
// killed, and starts again by name while the rest run on; the stack stops in reverse order; a part
// that exits on its own, or does not answer in time, stops the rest with one line naming it and where
// it was asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStack, type Part } from '@hello-trace/harness/stack';
import { freePort } from '@hello-trace/harness/testing/processes';

/** A part that serves GET /healthz on its port after `delayMs`, and says so in its output. */
async function serving(name: string, { delayMs = 0, exitAfterMs }: { delayMs?: number; exitAfterMs?: number } = {}) {
  const port = await freePort();
  const program = `
    const server = require('node:http').createServer((request, response) => response.end('ok'));
    setTimeout(() => server.listen(${port}, '127.0.0.1', () => console.log('listening')), ${delayMs});
    ${exitAfterMs === undefined ? '' : `setTimeout(() => process.exit(3), ${exitAfterMs});`}
    process.on('SIGTERM', () => {
      console.log('bye');
      process.exit(0);
    });`;
  const part: Part = {
    name,
    command: process.execPath,
    args: ['-e', program],
    healthUrl: `http://127.0.0.1:${port}/healthz`,
  };
  return { part, port };
}

const answers = (port: number) =>
  fetch(`http://127.0.0.1:${port}/healthz`).then(
    (response) => response.ok,
    () => false,
  );

function recorder() {
  const lines: string[] = [];
  return {
    lines,
    options: { env: process.env as Record<string, string>, log: (line: string) => void lines.push(`[stack] ${line}`) },
    write: (text: string) => void lines.push(...text.trimEnd().split('\n')),
  };
}

test(
  'parts start in order, one stops and starts again by name, and all stop in reverse order',
  { timeout: 30_000 },
  async () => {
    const parts = await Promise.all(['first', 'second', 'third'].map((name) => serving(name, { delayMs: 300 })));
    const { lines, options, write } = recorder();
    const stack = createStack(
      parts.map(({ part }) => part),
      { ...options, write },
    );
    await stack.start();
    for (const { port } of parts) assert.ok(await answers(port));
    assert.deepEqual(
      lines.filter((line) => line.endsWith(' listening')),
      ['[first] listening', '[second] listening', '[third] listening'],
    );

    const second = stack.pid('second');
    await stack.stopPart('second');
    assert.equal(await answers(parts[1].port), false, 'second is stopped');
    assert.ok((await answers(parts[0].port)) && (await answers(parts[2].port)), 'the others run on');
    await stack.startPart('second');
    assert.ok(await answers(parts[1].port));
    assert.notEqual(stack.pid('second'), second, 'a new process');

    await stack.stop();
    assert.equal(await stack.stopped, 0);
    assert.deepEqual(
      lines.filter((line) => line.startsWith('[stack]') || line.endsWith(' bye')),
      [
        // stopPart
        '[second] bye',
        // stop
        '[stack] stopping third',
        '[third] bye',
        '[stack] stopping second',
        '[second] bye',
        '[stack] stopping first',
        '[first] bye',
        '[stack] stopped',
      ],
    );
    for (const { port } of parts) assert.equal(await answers(port), false);
  },
);

test('a part killed by name (SIGKILL) stops nothing else and starts again', { timeout: 30_000 }, async () => {
  const parts = await Promise.all(['first', 'second'].map((name) => serving(name)));
  const { lines, options, write } = recorder();
  const stack = createStack(
    parts.map(({ part }) => part),
    { ...options, write },
  );
  await stack.start();
  await stack.stopPart('first', 'SIGKILL');
  assert.equal(await answers(parts[0].port), false, 'first is killed');
  assert.ok(await answers(parts[1].port), 'second runs on');
  await stack.startPart('first');
  assert.ok(await answers(parts[0].port));
  await stack.stop();
  assert.equal(await stack.stopped, 0);
  // Killed, it said no goodbye; stopped, it did.
  assert.deepEqual(
    lines.filter((line) => line.endsWith(' bye')),
    ['[second] bye', '[first] bye'],
  );
});

test('a part that exits on its own stops the rest, with one line naming it', { timeout: 30_000 }, async () => {
  const steady = await serving('steady');
  const crashing = await serving('crashing', { exitAfterMs: 1500 });
  const { lines, options, write } = recorder();
  const stack = createStack([steady.part, crashing.part], { ...options, write });
  await stack.start();
  assert.equal(await stack.stopped, 1);
  assert.deepEqual(
    lines.filter((line) => line.startsWith('[stack]')),
    ['[stack] crashing exited with code 3; stopping the rest.', '[stack] stopping steady', '[stack] stopped'],
  );
  assert.equal(await answers(steady.port), false);
});

test(
  'a part that does not answer in time stops the stack, naming it and where it was asked',
  { timeout: 30_000 },
  async () => {
    const first = await serving('first');
    const slow = await serving('slow', { delayMs: 60_000 });
    const never: Part = {
      name: 'never',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      address: 'nowhere:1',
      ready: async () => false,
    };
    const { lines, options, write } = recorder();
    const stack = createStack([first.part, slow.part, never], { ...options, write, startupTimeoutMs: 1000 });
    await assert.rejects(stack.start(), {
      message: `slow did not answer at http://127.0.0.1:${slow.port}/healthz within 1 s`,
    });
    assert.equal(await stack.stopped, 1);
    assert.deepEqual(
      lines.filter((line) => line.startsWith('[stack]')),
      [
        `[stack] slow did not answer at http://127.0.0.1:${slow.port}/healthz within 1 s`,
        '[stack] stopping slow',
        '[stack] stopping first',
        '[stack] stopped',
      ],
    );

    const alone = createStack([never], { ...options, write, startupTimeoutMs: 1000 });
    await assert.rejects(alone.start(), { message: 'never did not answer at nowhere:1 within 1 s' });
  },
);

test(
  'with stopGraceMs, a part that ignores SIGTERM is killed once the grace has passed',
  { timeout: 30_000 },
  async () => {
    const port = await freePort();
    const part: Part = {
      name: 'stubborn',
      command: process.execPath,
      args: [
        '-e',
        `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1');
       process.on('SIGTERM', () => console.log('not yet'));`,
      ],
      healthUrl: `http://127.0.0.1:${port}/healthz`,
    };
    const { lines, options, write } = recorder();
    const stack = createStack([part], { ...options, write, stopGraceMs: 1_000 });
    await stack.start();
    const started = Date.now();
    await stack.stop();
    assert.ok(Date.now() - started < 5_000, `stopped after ${Date.now() - started} ms`);
    assert.equal(await answers(port), false);
    assert.ok(lines.includes('[stubborn] not yet'), lines.join('\n'));
    assert.ok(lines.includes('[stack] stubborn has not exited 1 s after SIGTERM: killing it'), lines.join('\n'));
  },
);
