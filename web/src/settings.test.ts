import assert from 'node:assert/strict';
import { test } from 'node:test';
import { originPattern, readSettings } from './settings.ts';

test('defaults point at the local pipeline', () => {
  assert.deepEqual(readSettings({}), {
    serviceName: 'hello-web',
    otlpTracesUrl: 'http://localhost:5173/v1/traces',
    serverUrl: 'http://localhost:8000',
    jaegerUiUrl: 'http://localhost:16686',
    batchDelayMs: 500,
    session: { inactivityTimeout: 1800, maxDuration: 14400 },
    stack: 'npm',
    traceHeaderUrls: [originPattern('http://localhost:8000')],
    untracedUrls: [/^http:\/\/localhost:5173\/api\//, /^http:\/\/localhost:5173\/v1\/traces$/],
  });
});

test('reads every VITE_* setting and drops trailing slashes', () => {
  const settings = readSettings(
    {
      VITE_OTEL_SERVICE_NAME: 'shop-web',
      VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example/v1/traces',
      VITE_SERVER_URL: 'https://api.example/',
      VITE_JAEGER_UI_URL: 'https://jaeger.example/',
      VITE_OTEL_BSP_SCHEDULE_DELAY: '2000',
      VITE_SESSION_INACTIVITY_TIMEOUT: '600',
      VITE_SESSION_MAX_DURATION: '3600',
      VITE_STACK: 'compose',
    },
    'https://shop.example',
  );
  assert.deepEqual(settings, {
    serviceName: 'shop-web',
    otlpTracesUrl: 'https://otel.example/v1/traces',
    serverUrl: 'https://api.example',
    jaegerUiUrl: 'https://jaeger.example',
    batchDelayMs: 2000,
    session: { inactivityTimeout: 600, maxDuration: 3600 },
    stack: 'compose',
    traceHeaderUrls: [originPattern('https://api.example')],
    untracedUrls: [/^https:\/\/shop\.example\/api\//, /^https:\/\/otel\.example\/v1\/traces$/],
  });
});

test('a malformed URL is an error that names its variable', () => {
  assert.throws(() => readSettings({ VITE_SERVER_URL: 'localhost:8000' }), /VITE_SERVER_URL must be an http\(s\) URL/);
  assert.throws(() => readSettings({ VITE_JAEGER_UI_URL: 'not a url' }), /VITE_JAEGER_UI_URL/);
  assert.throws(
    () => readSettings({ VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://x/v1/traces' }),
    /VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/,
  );
  for (const delay of ['-1', '1.5', 'soon', '99999999']) {
    assert.throws(
      () => readSettings({ VITE_OTEL_BSP_SCHEDULE_DELAY: delay }),
      /VITE_OTEL_BSP_SCHEDULE_DELAY must be a whole number/,
    );
  }
  for (const seconds of ['0', '-5', '30m', '99999999']) {
    assert.throws(
      () => readSettings({ VITE_SESSION_INACTIVITY_TIMEOUT: seconds }),
      /VITE_SESSION_INACTIVITY_TIMEOUT must be a whole number above 0/,
    );
    assert.throws(() => readSettings({ VITE_SESSION_MAX_DURATION: seconds }), /VITE_SESSION_MAX_DURATION must be/);
  }
  assert.throws(() => readSettings({ VITE_STACK: 'kubernetes' }), /VITE_STACK must be npm or compose/);
});

test('originPattern matches the server origin and nothing else', () => {
  const pattern = originPattern('http://localhost:8000');
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

test('the page exports to its own origin unless told otherwise, and fetch never traces an export', () => {
  const { otlpTracesUrl, untracedUrls } = readSettings({}, 'https://shop.example');
  assert.equal(otlpTracesUrl, 'https://shop.example/v1/traces');
  assert.ok(untracedUrls.some((untraced) => untraced.test(otlpTracesUrl)));
  assert.equal(
    untracedUrls.some((untraced) => untraced.test('https://shop.example/v1/traces/more')),
    false,
  );
});

test("untracedUrls are the page's own API on the page's origin, and nothing else", () => {
  const [untraced] = readSettings({}, 'http://localhost:5173').untracedUrls;
  assert.ok(untraced.test('http://localhost:5173/api/traces/0af7651916cd43dd8448eb211c80319c'));
  assert.ok(untraced.test('http://localhost:5173/api/jaeger-ui'));
  for (const url of [
    'http://localhost:8000/api/traces/x',
    'http://localhost:5173/hello',
    'http://localhost:5173/apix',
    'http://localhost:51730/api/jaeger-ui',
    'http://localhost:8000/?http://localhost:5173/api/',
  ]) {
    assert.equal(untraced.test(url), false, url);
  }
});
