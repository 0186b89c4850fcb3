import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig, readGreeterConfig } from './config.ts';

const PORTS = { SERVER_PORT: '8000', PAGE_PORT: '5173', GREETER_PORT: '8001' };

test("binds loopback on SERVER_PORT and allows the page's origin on PAGE_PORT, with either spelling of loopback", () => {
  assert.deepEqual(readConfig(PORTS), {
    host: '127.0.0.1',
    port: 8000,
    allowedOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173'],
    greeterUrl: 'http://127.0.0.1:8001',
    helloRate: { perClient: 20, burst: 40, total: 1000 },
    edge: { trustedProxies: [], maxConnections: 1000, maxConnectionsPerClient: 64 },
  });
  assert.equal(readConfig({ ...PORTS, SERVER_HOST: '0.0.0.0' }).host, '0.0.0.0');
});

test('ignores PORT and HOST, which other programs read', () => {
  assert.deepEqual(readConfig({ ...PORTS, HOST: '0.0.0.0', PORT: '9000' }), readConfig(PORTS));
});

test("a comma-separated CORS_ALLOWED_ORIGINS replaces the page's origins; GREETER_URL the greeter's address", () => {
  const config = readConfig({
    ...PORTS,
    CORS_ALLOWED_ORIGINS: 'https://hello.example, http://localhost:3000',
    GREETER_URL: 'http://greeter:8001/',
  });
  assert.deepEqual(config.allowedOrigins, ['https://hello.example', 'http://localhost:3000']);
  assert.equal(config.greeterUrl, 'http://greeter:8001');
});

test('a missing or malformed setting is an error naming the variable', () => {
  assert.throws(() => readConfig({ ...PORTS, SERVER_PORT: undefined }), /^Error: SERVER_PORT is not set/);
  assert.throws(() => readConfig({ ...PORTS, SERVER_PORT: '70000' }), /^Error: SERVER_PORT must be a whole number/);
  assert.throws(
    () => readConfig({ ...PORTS, CORS_ALLOWED_ORIGINS: '*' }),
    /^Error: CORS_ALLOWED_ORIGINS must be a list of origins/,
  );
  assert.throws(
    () => readConfig({ ...PORTS, GREETER_URL: 'greeter:8001' }),
    /^Error: GREETER_URL must be an http\(s\) URL/,
  );
  assert.throws(() => readGreeterConfig({}), /^Error: GREETER_PORT is not set/);
  assert.throws(() => readConfig({ ...PORTS, HELLO_BURST: '10' }), {
    message: 'HELLO_BURST (10) must be at least HELLO_RATE (20)',
  });
  assert.throws(() => readConfig({ ...PORTS, TRUSTED_PROXIES: 'proxy' }), /^Error: TRUSTED_PROXIES must be a list/);
});

test('the greeter binds loopback on GREETER_PORT, where the server reaches it', () => {
  assert.deepEqual(readGreeterConfig(PORTS), {
    host: '127.0.0.1',
    port: 8001,
    edge: { trustedProxies: [], maxConnections: 1000, maxConnectionsPerClient: 64 },
  });
  assert.equal(readGreeterConfig({ GREETER_HOST: '0.0.0.0', GREETER_PORT: '9001' }).host, '0.0.0.0');
});
