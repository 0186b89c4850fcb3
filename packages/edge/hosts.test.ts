import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { hostNameOf, servedHostNames } from './hosts.ts';

function requestTo(host: string | undefined): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  if (host !== undefined) request.headers.host = host;
  return request;
}

test('a server answers to loopback by both names, its bound host unless all interfaces, and the names added', () => {
  assert.deepEqual([...servedHostNames('127.0.0.1', [])], ['localhost', '127.0.0.1']);
  assert.deepEqual([...servedHostNames('0.0.0.0', [])], ['localhost', '127.0.0.1']);
  assert.deepEqual([...servedHostNames('::', [])], ['localhost', '127.0.0.1']);
  assert.deepEqual(
    [...servedHostNames('::1', ['hello.example'])],
    ['localhost', '127.0.0.1', '[::1]', 'hello.example'],
  );
  assert.deepEqual([...servedHostNames('Page.Internal', [])], ['localhost', '127.0.0.1', 'page.internal']);
});

test("the host name is the Host header's, without its port, lowercased", () => {
  assert.equal(hostNameOf(requestTo('localhost:5173')), 'localhost');
  assert.equal(hostNameOf(requestTo('Hello.Example')), 'hello.example');
  assert.equal(hostNameOf(requestTo('[::1]:5173')), '[::1]');
  assert.equal(hostNameOf(requestTo('127.0.0.1')), '127.0.0.1');
  assert.equal(hostNameOf(requestTo(undefined)), '');
  // What DNS rebinding sends: the attacker's own name, resolved to this server.
  assert.ok(!servedHostNames('127.0.0.1', []).has(hostNameOf(requestTo('rebind.attacker.example:5173'))));
});
