// The tests' ports: each picked port must still be free when its part binds it, even while other
// parts start and connect.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { freePort } from '@hello-trace/harness/testing/processes';

test('freePort never hands out a port twice, nor one the kernel may give an outgoing connection', async () => {
  const [ephemeralFrom] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/);
  const ports = [];
  for (let i = 0; i < 500; i++) ports.push(await freePort());
  assert.equal(new Set(ports).size, ports.length, 'a port was handed out twice');
  assert.ok(Math.max(...ports) < Number(ephemeralFrom), `a port at or above ${ephemeralFrom}`);
});
