// Docker cannot run here: each Dockerfile's build is replayed from only the files it copies,
// and the final stage's command is started and asked for its page.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { replayDockerfile } from './support/dockerfile.ts';
import { OtlpReceiver } from './support/otlp-receiver.ts';
import { repoRoot, startProcess } from './support/processes.ts';

async function runImage(dockerfile: string, path: string, env: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const image = await replayDockerfile(repoRoot, dockerfile);
  after(() => rm(image.work, { recursive: true, force: true }));
  for (const base of image.baseImages) assert.match(base, /^node:\d+\.\d+\.\d+-alpine\d+\.\d+$/, 'a pinned Node LTS base');
  const [command, ...args] = image.cmd;
  assert.equal(command, 'node');
  const running = await startProcess(process.execPath, args, {
    cwd: join(image.root, image.workdir),
    // The image listens on 0.0.0.0 for the compose network; here it stays on loopback.
    env: { ...image.env, ...env, HOST: '127.0.0.1', PORT: '0' },
    readyPattern: /(?:listening on|served at) http:\/\/[^:]+:(\d+)/,
  });
  try {
    const response = await fetch(`http://127.0.0.1:${running.ready[1]}${path}`);
    return { status: response.status, body: await response.text() };
  } finally {
    await running.stop();
  }
}

test('server/Dockerfile builds an image that answers /hello and exports its spans', { timeout: 300_000 }, async () => {
  const receiver = new OtlpReceiver();
  await receiver.start();
  try {
    const { status, body } = await runImage('server/Dockerfile', '/hello', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    assert.equal(status, 200);
    assert.equal(body, 'hello:');
    // Stopping the server flushes its spans.
    const spans = await receiver.waitFor((received) => received.some((span) => span.name === 'HelloHandler'));
    assert.ok(spans.every((span) => span.service === 'hello-server'));
  } finally {
    await receiver.stop();
  }
});

test('web/Dockerfile builds an image that serves the page', { timeout: 300_000 }, async () => {
  const { status, body } = await runImage('web/Dockerfile', '/');
  assert.equal(status, 200);
  assert.match(body, /<div id="root"><\/div>/);
  assert.match(body, /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
});
