import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RefusalLog } from './refusals.ts';

test('refusals are counted by kind and logged in one line per interval, naming the clients that caused most', async (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  const log = new RefusalLog('hello-page', { reportEveryMs: 200 });
  for (let i = 0; i < 5; i++) log.count('429 /v1/traces: past the rate of this client', '203.0.113.9');
  log.count('429 /v1/traces: past the rate of this client', '2001:db8:1:2::/64');
  log.count('413 /v1/traces: over 30000 bytes', '2001:db8:1:2::/64');
  log.count('421 a host name not served here', '198.51.100.1');
  log.count('400 a malformed path', '192.0.2.4');
  assert.equal(logged.mock.callCount(), 0, 'nothing before the interval ends');
  await sleep(400);
  assert.deepEqual(
    logged.mock.calls.map((call) => call.arguments[0]),
    [
      'hello-page refused or failed 9 requests in the last 0.2 s: 6 × 429 /v1/traces: past the rate of this client, 1 × 413 /v1/traces: over 30000 bytes, 1 × 421 a host name not served here, 1 × 400 a malformed path; most from 203.0.113.9 (5), 2001:db8:1:2::/64 (2), 198.51.100.1 (1)',
    ],
  );
  // A new interval starts with the next refusal.
  log.count('400 a malformed path', '192.0.2.4');
  await sleep(400);
  assert.equal(
    logged.mock.calls.at(-1)?.arguments[0],
    'hello-page refused or failed 1 request in the last 0.2 s: 1 × 400 a malformed path; most from 192.0.2.4 (1)',
  );
});
