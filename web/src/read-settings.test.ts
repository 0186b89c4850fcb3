import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSettings } from './read-settings.ts';

const ADDRESSES = {
  VITE_SERVER_URL: 'http://localhost:9100',
  VITE_JAEGER_UI_URL: 'http://localhost:9200',
  VITE_OTEL_SERVICE_NAME: 'hello-web',
  VITE_SESSION_SAMPLE_RATIO: '1',
};

test('with only what .env holds, the rest has its defaults, and the spans go to the page origin', () => {
  const settings = readSettings(ADDRESSES, 'http://localhost:9000');
  assert.deepEqual(settings, {
    serverUrl: 'http://localhost:9100',
    jaegerUiUrl: 'http://localhost:9200',
    stack: 'npm',
    tracing: {
      serviceName: 'hello-web',
      tracesUrl: 'http://localhost:9000/v1/traces',
      traceHeaderOrigins: ['http://localhost:9100'],
      ignoreUrls: [/^http:\/\/localhost:9000\/api\//],
      batchDelayMs: 500,
      session: { inactivityTimeout: 1800, maxDuration: 14400 },
      redactQueryParams: [],
      sessionSampleRatio: 1,
    },
  });
});

test('reads every VITE_* setting and drops trailing slashes', () => {
  const settings = readSettings(
    {
      VITE_OTEL_SERVICE_NAME: 'shop-web',
      VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example/v1/traces',
      VITE_SERVER_URL: 'https://api.example/base/',
      VITE_JAEGER_UI_URL: 'https://jaeger.example/',
      VITE_OTEL_BSP_SCHEDULE_DELAY: '2000',
      VITE_SESSION_INACTIVITY_TIMEOUT: '600',
      VITE_SESSION_MAX_DURATION: '3600',
      VITE_REDACT_QUERY_PARAMS: 'session_id,auth',
      VITE_SESSION_SAMPLE_RATIO: '0.25',
      VITE_STACK: 'compose',
    },
    'https://shop.example',
  );
  assert.deepEqual(settings, {
    serverUrl: 'https://api.example/base',
    jaegerUiUrl: 'https://jaeger.example',
    stack: 'compose',
    tracing: {
      serviceName: 'shop-web',
      tracesUrl: 'https://otel.example/v1/traces',
      traceHeaderOrigins: ['https://api.example'],
      ignoreUrls: [/^https:\/\/shop\.example\/api\//],
      batchDelayMs: 2000,
      session: { inactivityTimeout: 600, maxDuration: 3600 },
      redactQueryParams: ['session_id', 'auth'],
      sessionSampleRatio: 0.25,
    },
  });
});

test('a setting without a default of its own is required, and the error names it and where it comes from', () => {
  assert.throws(
    () => readSettings({ VITE_JAEGER_UI_URL: ADDRESSES.VITE_JAEGER_UI_URL }, 'http://localhost:9000'),
    /^Error: VITE_SERVER_URL is not set: web\/vite.config.ts sets it from SERVER_PORT in .env/,
  );
  assert.throws(
    () => readSettings({ VITE_SERVER_URL: ADDRESSES.VITE_SERVER_URL, VITE_JAEGER_UI_URL: '' }, 'http://localhost:9000'),
    /^Error: VITE_JAEGER_UI_URL is not set: web\/vite.config.ts sets it from JAEGER_UI_PORT in .env/,
  );
  assert.throws(
    () => readSettings({ ...ADDRESSES, VITE_OTEL_SERVICE_NAME: '' }, 'http://localhost:9000'),
    /^Error: VITE_OTEL_SERVICE_NAME is not set: .env at the repository root holds it/,
  );
  assert.throws(
    () => readSettings({ ...ADDRESSES, VITE_SESSION_SAMPLE_RATIO: '' }, 'http://localhost:9000'),
    /^Error: VITE_SESSION_SAMPLE_RATIO is not set: .env at the repository root holds it/,
  );
});

/** Reads the settings with these VITE_* variables besides the addresses, when called. */
const read = (env: Record<string, string>) => () => readSettings({ ...ADDRESSES, ...env }, 'http://localhost:9000');

test('a malformed setting is an error that names its variable', () => {
  assert.throws(read({ VITE_SERVER_URL: 'localhost:8000' }), /VITE_SERVER_URL must be an http\(s\) URL/);
  assert.throws(read({ VITE_JAEGER_UI_URL: 'not a url' }), /VITE_JAEGER_UI_URL/);
  assert.throws(
    read({ VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://x/v1/traces' }),
    /VITE_OTEL_EXPORTER_OTLP_TRACES/,
  );
  for (const delay of ['-1', '1.5', 'soon', '99999999']) {
    assert.throws(read({ VITE_OTEL_BSP_SCHEDULE_DELAY: delay }), /VITE_OTEL_BSP_SCHEDULE_DELAY must be a whole number/);
  }
  for (const seconds of ['0', '-5', '30m', '99999999']) {
    assert.throws(
      read({ VITE_SESSION_INACTIVITY_TIMEOUT: seconds }),
      /VITE_SESSION_INACTIVITY_TIMEOUT must be a whole number above 0/,
    );
    assert.throws(read({ VITE_SESSION_MAX_DURATION: seconds }), /VITE_SESSION_MAX_DURATION must be/);
  }
  assert.throws(read({ VITE_STACK: 'kubernetes' }), /VITE_STACK must be npm or compose/);
  assert.throws(read({ VITE_REDACT_QUERY_PARAMS: 'session_id;auth=1' }), /VITE_REDACT_QUERY_PARAMS must be a list/);
  for (const ratio of ['2', '50%', '-1']) {
    assert.throws(read({ VITE_SESSION_SAMPLE_RATIO: ratio }), /VITE_SESSION_SAMPLE_RATIO must be a ratio from 0 to 1/);
  }
});

test("the page's own API on the page's origin is left untraced, and nothing else", () => {
  const [untraced] = readSettings(ADDRESSES, 'http://localhost:9000').tracing.ignoreUrls as RegExp[];
  assert.ok(untraced.test('http://localhost:9000/api/traces/0af7651916cd43dd8448eb211c80319c'));
  assert.ok(untraced.test('http://localhost:9000/api/jaeger-ui'));
  for (const url of [
    'http://localhost:9100/api/traces/x',
    'http://localhost:9000/hello',
    'http://localhost:9000/apix',
    'http://localhost:90001/api/jaeger-ui',
    'http://localhost:9100/?http://localhost:9000/api/',
  ]) {
    assert.equal(untraced.test(url), false, url);
  }
});
