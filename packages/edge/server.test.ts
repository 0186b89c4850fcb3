import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RefusalLog } from './refusals.ts';
import { createEdgeServer } from './server.ts';
import type { EdgeSettings } from './settings.ts';

/** An edge server answering `ok` with `settings` over small caps; its refusals are kept in `counted`. */
async function start(t: TestContext, settings: Partial<EdgeSettings> = {}) {
  const counted: string[] = [];
  const refusals = new RefusalLog('test');
  refusals.count = (kind, client) => void counted.push(`${kind} from ${client}`);
  const server: Server = createEdgeServer(
    (_request, response) => response.end('ok'),
    { trustedProxies: [], maxConnections: 100, maxConnectionsPerClient: 3, ...settings },
    refusals,
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const sockets: Socket[] = [];
  const closed = new WeakMap<Socket, Promise<unknown>>();
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  /** A connection from `localAddress` that sends nothing; resolves once the server has had it for a while. */
  const hold = async (localAddress = '127.0.0.1') => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    sockets.push(socket);
    socket.on('error', () => {});
    closed.set(socket, once(socket, 'close'));
    await once(socket, 'connect');
    await sleep(50);
    return socket;
  };
  /** Whether a new connection from `localAddress` is answered. */
  const answered = async (localAddress = '127.0.0.1') => {
    const socket = await hold(localAddress);
    let text = '';
    socket.on('data', (chunk) => void (text += chunk));
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await Promise.race([closed.get(socket), sleep(2000)]);
    return text.startsWith('HTTP/1.1 200') && text.endsWith('ok');
  };
  return { counted, hold, answered };
}

test('past its cap of connections one client is cut off at once, and counted; another client is not', async (t) => {
  const { counted, hold, answered } = await start(t);
  const held = [await hold(), await hold(), await hold()];
  assert.equal(await answered(), false, 'a fourth connection from 127.0.0.1');
  assert.equal(await answered('127.0.0.2'), true, 'a connection from 127.0.0.2');
  assert.deepEqual(counted, ['connection closed: over 3 open at once from one client from 127.0.0.1']);
  held[0].destroy();
  await sleep(50);
  assert.equal(await answered(), true, 'once one of its connections has closed');
});

test('a trusted proxy, which speaks for many clients, counts only against the cap of all connections', async (t) => {
  const { counted, hold, answered } = await start(t, {
    trustedProxies: [{ address: '127.0.0.1', prefix: 32, family: 'ipv4' }],
    maxConnections: 6,
  });
  for (let i = 0; i < 5; i++) await hold();
  assert.equal(await answered(), true, 'the sixth connection of the proxy');
  await hold();
  await hold();
  assert.equal(await answered('127.0.0.2'), false, 'past the cap of all connections');
  assert.ok(counted.includes('connection closed: over 6 open at once from 127.0.0.2'), counted.join('\n'));
});

test('what Node.js cannot parse gets a plain-text 400, counted', async (t) => {
  const { counted, hold, answered } = await start(t);
  const socket = await hold();
  let text = '';
  socket.on('data', (chunk) => void (text += chunk));
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n');
  await once(socket, 'close');
  assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(text, /Content-Type: text\/plain; charset=utf-8\r\n/);
  assert.match(text, /\r\n\r\nmalformed request\n$/);
  assert.deepEqual(counted, ['400 malformed request from 127.0.0.1']);
  assert.equal(await answered(), true, 'still serving');
});
