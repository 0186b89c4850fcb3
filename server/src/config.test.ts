import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig, readGreeterConfig } from './config.ts';

test('defaults bind loopback on port 8000 and allow the page on port 5173, with either spelling of loopback', () => {
  assert.deepEqual(readConfig({}), {
    host: '127.0.0.1',
    port: 8000,
    allowedOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173'],
    greeterUrl: 'http://127.0.0.1:8001',
  });
});

test('reads SERVER_HOST and SERVER_PORT, and allows the page on PAGE_PORT', () => {
  assert.deepEqual(readConfig({ SERVER_HOST: '0.0.0.0', SERVER_PORT: '9000', PAGE_PORT: '3000' }), {
    host: '0.0.0.0',
    port: 9000,
    allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
    greeterUrl: 'http://127.0.0.1:8001',
  });
});

test('ignores PORT and HOST, which other programs read', () => {
  assert.deepEqual(readConfig({ HOST: '0.0.0.0', PORT: '9000' }), readConfig({}));
});

test("a comma-separated CORS_ALLOWED_ORIGINS replaces the page's origins", () => {
  assert.deepEqual(
    readConfig({ CORS_ALLOWED_ORIGINS: 'https://hello.example, http://localhost:3000' }).allowedOrigins,
    ['https://hello.example', 'http://localhost:3000'],
  );
});

test('rejects a malformed port, naming the variable', () => {
  for (const port of ['eighty', '-1', '70000', '80.5', '']) {
    assert.throws(() => readConfig({ SERVER_PORT: port }), /SERVER_PORT must be a whole number/);
    assert.throws(() => readConfig({ PAGE_PORT: port }), /PAGE_PORT must be a whole number/);
  }
});

test('rejects origins with a path, a trailing slash or no scheme, naming the variable', () => {
  for (const origin of ['http://localhost:5173/', 'http://localhost:5173/app', 'localhost:5173', '*']) {
    assert.throws(() => readConfig({ CORS_ALLOWED_ORIGINS: origin }), /CORS_ALLOWED_ORIGINS must list origins/);
  }
});

test('the greeter binds loopback on GREETER_PORT, 8001 by default, where the server reaches it', () => {
  assert.deepEqual(readGreeterConfig({}), { host: '127.0.0.1', port: 8001 });
  assert.deepEqual(readGreeterConfig({ GREETER_HOST: '0.0.0.0', GREETER_PORT: '9001' }), {
    host: '0.0.0.0',
    port: 9001,
  });
  assert.equal(readConfig({ GREETER_PORT: '9001' }).greeterUrl, 'http://127.0.0.1:9001');
});

test('GREETER_URL replaces the default, without its trailing slash', () => {
  assert.equal(readConfig({ GREETER_URL: 'http://greeter:8001/' }).greeterUrl, 'http://greeter:8001');
  assert.equal(readConfig({ GREETER_URL: 'https://greeter.example/api' }).greeterUrl, 'https://greeter.example/api');
});

test('rejects a malformed GREETER_PORT or GREETER_URL, naming the variable', () => {
  for (const port of ['eighty', '-1', '70000', '']) {
    assert.throws(() => readGreeterConfig({ GREETER_PORT: port }), /GREETER_PORT must be a whole number/);
    assert.throws(() => readConfig({ GREETER_PORT: port }), /GREETER_PORT must be a whole number/);
  }
  for (const url of ['greeter:8001', 'ftp://greeter', 'http://greeter:8001/?x=1', 'http://greeter:8001/#top', '']) {
    assert.throws(() => readConfig({ GREETER_URL: url }), /GREETER_URL must be an http:\/\/ or https:\/\/ URL/);
  }
});
