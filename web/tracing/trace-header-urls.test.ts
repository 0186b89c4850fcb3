import assert from 'node:assert/strict';
import { test } from 'node:test';
import { traceHeaderUrls } from './trace-header-urls.ts';

test('a trace-header pattern matches its origin and nothing else', () => {
  const [pattern] = traceHeaderUrls(['http://localhost:8000']);
  assert.ok(pattern.test('http://localhost:8000/hello'));
  assert.ok(pattern.test('http://localhost:8000'));
  for (const url of [
    'http://localhost:80001/hello',
    'http://localhost:8000.evil.example/hello',
    'https://localhost:8000/hello',
    'http://localhostX8000/hello',
    'http://127.0.0.1:8000/hello',
    'http://evil.example/?http://localhost:8000/',
  ]) {
    assert.equal(pattern.test(url), false, url);
  }
});

test('what is not an origin is refused, with the option and an example', () => {
  for (const notOrigin of ['http://localhost:8000/', 'https://api.example/v1', 'localhost:8000', '*']) {
    assert.throws(
      () => traceHeaderUrls([notOrigin]),
      new RegExp(`^Error: traceHeaderOrigins: "${notOrigin.replace(/[.*/]/g, '\\$&')}" is not an origin`),
    );
  }
});
