import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { clientAddress, clientKeys, keyOf, plainAddress, trustedProxies } from './client.ts';

/** A request from the socket peer `peer`, with these X-Forwarded-For headers. */
function requestFrom(peer: string, ...forwardedFor: string[]): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: peer });
  const request = new IncomingMessage(socket);
  if (forwardedFor.length === 1) request.headers['x-forwarded-for'] = forwardedFor[0];
  // Node.js joins repeated X-Forwarded-For headers with ", "; a raw array stands for any other way.
  if (forwardedFor.length > 1) (request.headers as Record<string, unknown>)['x-forwarded-for'] = forwardedFor;
  return request;
}

const PROXIES = trustedProxies([
  { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
  { address: '2001:db8:ffff::', prefix: 48, family: 'ipv6' },
]);

test('without trusted proxies the client is the socket peer, and X-Forwarded-For is ignored', () => {
  assert.equal(trustedProxies([]), undefined);
  assert.equal(clientAddress(requestFrom('198.51.100.7', '203.0.113.1'), undefined), '198.51.100.7');
  // A proxy that is not listed is a client like any other.
  assert.equal(clientAddress(requestFrom('198.51.100.7', '203.0.113.1'), PROXIES), '198.51.100.7');
});

test('behind trusted proxies the client is the right-most hop that no trusted proxy wrote', () => {
  const cases: [peer: string, forwardedFor: string[], client: string][] = [
    ['10.0.0.1', ['203.0.113.1'], '203.0.113.1'],
    // A visitor's own X-Forwarded-For is left of what the proxies appended: never believed.
    ['10.0.0.1', ['1.1.1.1, 203.0.113.1'], '203.0.113.1'],
    ['10.0.0.1', ['1.1.1.1, 203.0.113.1, 10.0.0.2'], '203.0.113.1'],
    ['10.0.0.1', ['1.1.1.1', '203.0.113.1, 10.0.0.2'], '203.0.113.1'],
    ['2001:db8:ffff::1', ['2001:db8:1:2:3:4:5:6'], '2001:db8:1:2:3:4:5:6'],
    // Ports and brackets, as some proxies write them.
    ['10.0.0.1', ['[2001:db8::7]:443'], '2001:db8::7'],
    ['10.0.0.1', ['203.0.113.1:5555'], '203.0.113.1'],
    // Every hop trusted: the left-most.
    ['10.0.0.1', ['10.0.0.3, 10.0.0.2'], '10.0.0.3'],
    // No header, or a hop that is no address: the last trusted one.
    ['10.0.0.1', [], '10.0.0.1'],
    ['10.0.0.1', ['unknown'], '10.0.0.1'],
    ['10.0.0.1', ['203.0.113.1, garbage, 10.0.0.2'], '10.0.0.2'],
    // A dual-stack socket's peer.
    ['::ffff:10.0.0.1', ['203.0.113.1'], '203.0.113.1'],
  ];
  for (const [peer, forwardedFor, client] of cases) {
    assert.equal(clientAddress(requestFrom(peer, ...forwardedFor), PROXIES), client, `${peer} ${forwardedFor}`);
  }
});

test('an IPv6 client counts by its /64, an IPv4 one by its address', () => {
  assert.equal(keyOf('203.0.113.1'), '203.0.113.1');
  assert.equal(keyOf('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
  assert.equal(keyOf('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(keyOf('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(keyOf('::1'), '0:0:0:0::/64');
  assert.equal(keyOf('fe80::1:2:3:4'), 'fe80:0:0:0::/64');
  assert.equal(keyOf('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
  assert.equal(plainAddress('::FFFF:192.0.2.1'), '192.0.2.1');
  assert.equal(plainAddress('fe80::1%eth0'), 'fe80::1');
  // Addresses of one /64 are one client, of two /64s two.
  const key = clientKeys(undefined);
  assert.equal(key(requestFrom('2001:db8:1:2::a')), key(requestFrom('2001:db8:1:2:dead:beef:0:1')));
  assert.notEqual(key(requestFrom('2001:db8:1:2::a')), key(requestFrom('2001:db8:1:3::a')));
  const behind = clientKeys(PROXIES);
  assert.equal(behind(requestFrom('10.0.0.1', '2001:db8:5:6::1')), '2001:db8:5:6::/64');
});
