import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readConfig } from './config.js';

test('defaults bind loopback on port 8000 and allow the page on localhost:5173', () => {
  assert.deepEqual(readConfig({}), { host: '127.0.0.1', port: 8000, allowedOrigins: ['http://localhost:5173'] });
});

test('reads HOST, PORT and a comma-separated CORS_ALLOWED_ORIGINS', () => {
  const config = readConfig({
    HOST: '0.0.0.0',
    PORT: '9000',
    CORS_ALLOWED_ORIGINS: 'http://localhost:5173, http://127.0.0.1:5173',
  });
  assert.deepEqual(config, {
    host: '0.0.0.0',
    port: 9000,
    allowedOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173'],
  });
});

test('rejects a malformed PORT, naming the variable', () => {
  for (const port of ['eighty', '-1', '70000', '80.5', '']) {
    assert.throws(() => readConfig({ PORT: port }), /PORT must be a whole number/);
  }
});

test('rejects origins with a path, a trailing slash or no scheme, naming the variable', () => {
  for (const origin of ['http://localhost:5173/', 'http://localhost:5173/app', 'localhost:5173', '*']) {
    assert.throws(() => readConfig({ CORS_ALLOWED_ORIGINS: origin }), /CORS_ALLOWED_ORIGINS must list origins/);
  }
});
