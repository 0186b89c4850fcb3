import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readEdgeSettings } from './settings.ts';

test('by default no proxy is trusted, and a server holds 1000 connections, 64 from one client', () => {
  assert.deepEqual(readEdgeSettings({}), { trustedProxies: [], maxConnections: 1000, maxConnectionsPerClient: 64 });
  assert.deepEqual(
    readEdgeSettings({ TRUSTED_PROXIES: '10.0.0.0/8, ::1', MAX_CONNECTIONS: '50', MAX_CONNECTIONS_PER_CLIENT: '5' }),
    {
      trustedProxies: [
        { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
        { address: '::1', prefix: 128, family: 'ipv6' },
      ],
      maxConnections: 50,
      maxConnectionsPerClient: 5,
    },
  );
});

test('a malformed setting names its variable', () => {
  assert.throws(() => readEdgeSettings({ TRUSTED_PROXIES: 'proxy.internal' }), {
    message:
      'TRUSTED_PROXIES must be a list of IP addresses or CIDR ranges such as 10.0.0.0/8, 192.0.2.7, 2001:db8::/32, got "proxy.internal"',
  });
  assert.throws(() => readEdgeSettings({ MAX_CONNECTIONS: 'many' }), /^Error: MAX_CONNECTIONS must be a whole number/);
  assert.throws(() => readEdgeSettings({ MAX_CONNECTIONS: '10', MAX_CONNECTIONS_PER_CLIENT: '20' }), {
    message: 'MAX_CONNECTIONS_PER_CLIENT (20) must be at most MAX_CONNECTIONS (10)',
  });
});
