import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { clientKeys } from './client.ts';
import { ClientRate, readRate } from './rate.ts';
import { RefusalLog } from './refusals.ts';

function requestFrom(peer: string): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: peer });
  return new IncomingMessage(socket);
}

/** A rate whose refusals are counted into `counted`. */
function rateOf(perClient: number, burst: number, total: number, counted: string[]): ClientRate {
  const refusals = new RefusalLog('test');
  refusals.count = (kind, client) => void counted.push(`${kind} from ${client}`);
  return new ClientRate('GET /hello', { perClient, burst, total }, { clientKey: clientKeys(undefined), refusals });
}

test('past its burst a client gets 429 with Retry-After; another client is not limited, nor one of another /64', async () => {
  const counted: string[] = [];
  const rate = rateOf(2, 4, 100, counted);
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await rate.check(requestFrom('192.0.2.1')))?.status ?? 200);
  assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  const refused = await rate.check(requestFrom('192.0.2.1'));
  assert.equal(refused?.status, 429);
  assert.ok(refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 10, String(refused.retryAfterSeconds));
  assert.match(refused.text, /^too many requests from this client: try again in \d+ s$/);
  assert.equal(await rate.check(requestFrom('192.0.2.2')), undefined);
  // One /64 is one client: its addresses share its rate; the next /64 has its own.
  for (let i = 0; i < 4; i++) assert.equal(await rate.check(requestFrom(`2001:db8:0:1::${i + 1}`)), undefined);
  assert.equal((await rate.check(requestFrom('2001:db8:0:1:ffff::1')))?.status, 429);
  assert.equal(await rate.check(requestFrom('2001:db8:0:2::1')), undefined);
  assert.equal(counted.length, 4);
  assert.deepEqual(
    new Set(counted),
    new Set([
      '429 GET /hello: past the rate of this client from 192.0.2.1',
      '429 GET /hello: past the rate of this client from 2001:db8:0:1::/64',
    ]),
  );
});

test('past the ceiling of all clients together every client gets 503 with Retry-After, and none took from it while refused', async () => {
  const counted: string[] = [];
  const rate = rateOf(3, 3, 5, counted);
  // One client floods: its own rate stops it at 3, so that 2 are left for the others.
  for (let i = 0; i < 10; i++) await rate.check(requestFrom('192.0.2.1'));
  assert.equal(await rate.check(requestFrom('192.0.2.2')), undefined);
  assert.equal(await rate.check(requestFrom('192.0.2.3')), undefined);
  const refused = await rate.check(requestFrom('192.0.2.4'));
  assert.equal(refused?.status, 503);
  assert.equal(refused.retryAfterSeconds, 1);
  assert.match(refused.text, /^too many requests from all clients: try again in 1 s$/);
  assert.equal(counted.at(-1), '503 GET /hello: past the rate of all clients from 192.0.2.4');
});

test('a rate is read from <prefix>_RATE, _BURST and _TOTAL_RATE, with defaults, and refused when they disagree', () => {
  const defaults = { perClient: 20, burst: 40, total: 1000 };
  assert.deepEqual(readRate({}, 'HELLO', defaults), defaults);
  assert.deepEqual(readRate({ HELLO_RATE: '5', HELLO_BURST: '5', HELLO_TOTAL_RATE: '50' }, 'HELLO', defaults), {
    perClient: 5,
    burst: 5,
    total: 50,
  });
  assert.throws(() => readRate({ HELLO_RATE: '0' }, 'HELLO', defaults), {
    message: 'HELLO_RATE must be a whole number above 0 such as 20, got "0"',
  });
  assert.throws(() => readRate({ HELLO_RATE: '50' }, 'HELLO', defaults), {
    message: 'HELLO_BURST (40) must be at least HELLO_RATE (50)',
  });
  assert.throws(() => readRate({ HELLO_TOTAL_RATE: '10' }, 'HELLO', defaults), {
    message: 'HELLO_TOTAL_RATE (10) must be at least HELLO_RATE (20)',
  });
});
