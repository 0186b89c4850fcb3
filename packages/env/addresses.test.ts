import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectorBrowserUrl, greeterUrl, jaegerQueryUrl, pageOrigins } from './addresses.ts';

test("each address follows its part's port in .env, unless its *_URL variable names another", () => {
  assert.equal(jaegerQueryUrl({ JAEGER_UI_PORT: '17686' }), 'http://localhost:17686');
  assert.equal(jaegerQueryUrl({ JAEGER_QUERY_URL: 'http://jaeger:16686/' }), 'http://jaeger:16686');
  assert.equal(collectorBrowserUrl({ COLLECTOR_BROWSER_PORT: '4319' }), 'http://127.0.0.1:4319');
  assert.equal(
    collectorBrowserUrl({ COLLECTOR_BROWSER_URL: 'http://otel-collector:4319' }),
    'http://otel-collector:4319',
  );
  assert.equal(greeterUrl({ GREETER_PORT: '9001' }), 'http://127.0.0.1:9001');
  assert.equal(greeterUrl({ GREETER_URL: 'https://greeter.example/api/' }), 'https://greeter.example/api');
  assert.deepEqual(pageOrigins({ PAGE_PORT: '3000' }), ['http://localhost:3000', 'http://127.0.0.1:3000']);
  assert.deepEqual(pageOrigins({ CORS_ALLOWED_ORIGINS: 'https://hello.example' }), ['https://hello.example']);
});

test('a missing port or a malformed URL is an error that names its variable', () => {
  assert.throws(() => jaegerQueryUrl({}), /^Error: JAEGER_UI_PORT is not set/);
  assert.throws(
    () => jaegerQueryUrl({ JAEGER_QUERY_URL: 'jaeger:16686' }),
    /^Error: JAEGER_QUERY_URL must be an http\(s\) URL/,
  );
  assert.throws(
    () => greeterUrl({ GREETER_URL: 'http://greeter:8001/?x=1' }),
    /^Error: GREETER_URL must be an http\(s\) URL/,
  );
});
