import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { answerTraceWait } from './trace-wait.ts';

test('answers GET /api/trace-wait with the settings, refuses other methods, and leaves other paths', async (t) => {
  const wait = { seconds: 30, tailSampling: { decisionWaitAfterRootMs: 1000, slowMs: 1000, keepPercent: 0 } };
  const server = createServer((request, response) => {
    if (!answerTraceWait(request, response, wait)) response.writeHead(418).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const answer = await fetch(`${url}/api/trace-wait`);
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('content-type'), 'application/json');
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await answer.json(), {
    seconds: 30,
    tailSampling: { decisionWaitAfterRootMs: 1000, slowMs: 1000, keepPercent: 0 },
  });
  assert.deepEqual(await (await fetch(`${url}/api/trace-wait?x=1`)).json(), wait);
  const posted = await fetch(`${url}/api/trace-wait`, { method: 'POST' });
  assert.equal(posted.status, 405);
  assert.deepEqual(await posted.json(), { error: 'only GET' });
  for (const path of ['/api/trace-wait/', '/api/trace-waits', '/api/traces/x', '/']) {
    assert.equal((await fetch(`${url}${path}`)).status, 418, path);
  }
});
