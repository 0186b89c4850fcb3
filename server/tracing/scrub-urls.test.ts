import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlwaysOffSampler, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { REDACTED_QUERY_PARAMS, redactedQueryParams, scrubUrlAttributes, scrubUrls } from './scrub-urls.ts';

const names = new Set(REDACTED_QUERY_PARAMS);

test('the values of sensitive query parameters become REDACTED; their names and every other pair stay', () => {
  assert.equal(
    scrubUrls('https://api.example/search?token=secret&x=1&sig=abc&q=a%20b', names),
    'https://api.example/search?token=REDACTED&x=1&sig=REDACTED&q=a%20b',
  );
  assert.equal(scrubUrls('token=secret&x=1', names), 'token=REDACTED&x=1', 'a query without its ?');
  assert.equal(scrubUrls('?x=1&access_token=secret', names), '?x=1&access_token=REDACTED', 'a query with its ?');
  assert.equal(scrubUrls('?token=a&token=b&token', names), '?token=REDACTED&token=REDACTED&token');
  assert.equal(scrubUrls('?api%5Fkey=secret&pass+word=x', names), '?api%5Fkey=REDACTED&pass+word=x', 'names decoded');
  assert.equal(scrubUrls('?Token=x&tokens=y&my_token=z', names), '?Token=x&tokens=y&my_token=z', 'exact names only');
  assert.equal(scrubUrls('/a/token=x/b?x=1', names), '/a/token=x/b?x=1', 'a path is left alone');
});

test('a fragment written as pairs is scrubbed as a query is', () => {
  assert.equal(
    scrubUrls('https://app.example/cb?x=1#access_token=secret&state=s', names),
    'https://app.example/cb?x=1#access_token=REDACTED&state=s',
  );
  assert.equal(
    scrubUrls('https://app.example/#/login?code=secret', names),
    'https://app.example/#/login?code=REDACTED',
  );
});

test("credentials become REDACTED:REDACTED, as the conventions ask; a URL's other parts stay as they were", () => {
  assert.equal(
    scrubUrls('http://user:secret@127.0.0.1:8000/x?x=1', names),
    'http://REDACTED:REDACTED@127.0.0.1:8000/x?x=1',
  );
  assert.equal(scrubUrls('https://user@host.example/', names), 'https://REDACTED:REDACTED@host.example/');
  assert.equal(scrubUrls('https://user:p@ss@host.example/', names), 'https://REDACTED:REDACTED@host.example/');
  for (const kept of ['https://host.example/a@b', 'mailto:someone@example.com', 'HTTP://Host.Example:80/%7e?x=1+2']) {
    assert.equal(scrubUrls(kept, names), kept);
  }
});

test('every URL in a message or a stack trace is scrubbed', () => {
  assert.equal(
    scrubUrls(
      'fetch https://u:secret@a.example/x?token=secret failed\n    at http://b.example/?x=1&sig=secret:1:100',
      names,
    ),
    'fetch https://REDACTED:REDACTED@a.example/x?token=REDACTED failed\n    at http://b.example/?x=1&sig=REDACTED',
  );
});

test('TRACING_REDACT_QUERY_PARAMS adds names to the default list; one that cannot be a name is refused in one line', (t) => {
  const printed = t.mock.method(console, 'error', () => {});
  assert.deepEqual(redactedQueryParams({}), REDACTED_QUERY_PARAMS);
  assert.deepEqual(redactedQueryParams({ TRACING_REDACT_QUERY_PARAMS: ' session_id , auth,,token' }), [
    ...REDACTED_QUERY_PARAMS,
    'session_id',
    'auth',
  ]);
  assert.equal(printed.mock.callCount(), 0);
  assert.deepEqual(redactedQueryParams({ TRACING_REDACT_QUERY_PARAMS: 'auth,a b,x=1' }), [
    ...REDACTED_QUERY_PARAMS,
    'auth',
  ]);
  assert.deepEqual(
    printed.mock.calls.map((call) => call.arguments[0]),
    [
      'OpenTelemetry: TRACING_REDACT_QUERY_PARAMS takes names of query parameters separated by commas, such as ' +
        'session_id,auth; "a b", "x=1" cannot be one: ignored.',
    ],
  );
});

test('the requestHook scrubs url.full and url.query as the span started with them, and nothing else', () => {
  const span = new TracerProvider().getTracer('test').startSpan('GET', {
    attributes: {
      'url.full': 'http://127.0.0.1:8001/greeting?session_id=secret&x=1',
      'url.query': '?session_id=secret&x=1',
      'url.path': '/greeting',
      'app.note': 'session_id=secret',
    },
  });
  scrubUrlAttributes([...REDACTED_QUERY_PARAMS, 'session_id'])(span);
  assert.deepEqual((span as unknown as ReadableSpan).attributes, {
    'url.full': 'http://127.0.0.1:8001/greeting?session_id=REDACTED&x=1',
    'url.query': '?session_id=REDACTED&x=1',
    'url.path': '/greeting',
    'app.note': 'session_id=secret',
  });
});

test('a span that records nothing is left alone', () => {
  const span = new TracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('test').startSpan('GET');
  assert.doesNotThrow(() => scrubUrlAttributes(REDACTED_QUERY_PARAMS)(span));
});
