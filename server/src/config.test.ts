import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig } from './config.ts';

test('defaults bind loopback on port 8000 and allow the page on port 5173, with either spelling of loopback', () => {
  assert.deepEqual(readConfig({}), {
    host: '127.0.0.1',
    port: 8000,
    allowedOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173'],
  });
});

test('reads SERVER_HOST and SERVER_PORT, and allows the page on PAGE_PORT', () => {
  assert.deepEqual(readConfig({ SERVER_HOST: '0.0.0.0', SERVER_PORT: '9000', PAGE_PORT: '3000' }), {
    host: '0.0.0.0',
    port: 9000,
    allowedOrigins: ['http://localhost:3000', 'http://127.0.0.1:3000'],
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
