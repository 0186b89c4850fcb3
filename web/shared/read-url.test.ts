import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readUrl } from './read-url.ts';

test('reads an http(s) URL without its trailing slashes, or the fallback when unset or empty', () => {
  assert.equal(
    readUrl({ URL: 'https://jaeger.example/base//' }, 'URL', 'http://localhost:1'),
    'https://jaeger.example/base',
  );
  assert.equal(readUrl({}, 'URL', 'http://localhost:1/'), 'http://localhost:1');
  assert.equal(readUrl({ URL: '' }, 'URL', 'http://localhost:1'), 'http://localhost:1');
});

test('anything but an http(s) URL is an error naming the variable, an example and the value', () => {
  for (const value of ['localhost:16686', 'ftp://jaeger.example', 'not a url', '//jaeger.example']) {
    assert.throws(
      () => readUrl({ JAEGER_QUERY_URL: value }, 'JAEGER_QUERY_URL', 'http://localhost:16686'),
      { message: `JAEGER_QUERY_URL must be an http(s) URL such as http://localhost:16686, got "${value}"` },
      value,
    );
  }
});
