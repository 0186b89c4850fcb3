import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlwaysOffSampler, WebTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-web';
import { scrubUrlFull, urlScrubber } from './scrub-urls.ts';

const scrub = urlScrubber();

test('the values of sensitive query parameters become REDACTED; their names and every other pair stay', () => {
  assert.equal(
    scrub('http://127.0.0.1:5173/?token=secret&x=1&X-Goog-Signature=abc&q=a%20b'),
    'http://127.0.0.1:5173/?token=REDACTED&x=1&X-Goog-Signature=REDACTED&q=a%20b',
  );
  for (const name of ['AWSAccessKeyId', 'Signature', 'sig', 'code', 'password', 'api_key', 'access_token']) {
    assert.equal(scrub(`https://a.example/?${name}=secret`), `https://a.example/?${name}=REDACTED`, name);
  }
  assert.equal(
    scrub('https://a.example/?token=a&token=b&token'),
    'https://a.example/?token=REDACTED&token=REDACTED&token',
  );
  assert.equal(scrub('https://a.example/?api%5Fkey=secret'), 'https://a.example/?api%5Fkey=REDACTED', 'names decoded');
  assert.equal(scrub('https://a.example/?Token=x&tokens=y'), 'https://a.example/?Token=x&tokens=y', 'exact names only');
  assert.equal(scrub('https://a.example/a/token=x/b'), 'https://a.example/a/token=x/b', 'a path is left alone');
});

test('a fragment written as pairs is scrubbed as a query is, such as an OAuth callback', () => {
  assert.equal(
    scrub('https://app.example/cb#access_token=secret&state=s'),
    'https://app.example/cb#access_token=REDACTED&state=s',
  );
  assert.equal(scrub('https://app.example/#/login?code=secret'), 'https://app.example/#/login?code=REDACTED');
});

test("credentials become REDACTED:REDACTED, as the conventions ask; a URL's other parts stay as they were", () => {
  assert.equal(
    scrub('http://user:secret@127.0.0.1:5173/assets/index.js'),
    'http://REDACTED:REDACTED@127.0.0.1:5173/assets/index.js',
  );
  assert.equal(scrub('https://user@a.example/'), 'https://REDACTED:REDACTED@a.example/');
  for (const kept of ['https://a.example/a@b', 'mailto:someone@example.com', 'HTTP://A.Example:80/%7e?x=1+2']) {
    assert.equal(scrub(kept), kept);
  }
});

test("every URL in an error's message or stack trace is scrubbed", () => {
  assert.equal(
    scrub('Error: boom\n    at http://user:secret@127.0.0.1:5173/?token=secret&x=1:1:100'),
    'Error: boom\n    at http://REDACTED:REDACTED@127.0.0.1:5173/?token=REDACTED&x=1:1:100',
  );
});

test('redactQueryParams adds names to the default list; what cannot be a name is refused, naming the option', () => {
  const more = urlScrubber(['session_id']);
  assert.equal(more('/?session_id=secret&token=secret&x=1'), '/?session_id=REDACTED&token=REDACTED&x=1');
  for (const name of ['', 'a b', 'x=1', 'a&b']) {
    assert.throws(() => urlScrubber([name]), {
      message: `redactQueryParams: "${name}" is not the name of a query parameter; give names such as session_id`,
    });
  }
});

test("the hook scrubs the span's url.full and nothing else; a span that records nothing is left alone", () => {
  const tracer = new WebTracerProvider().getTracer('test');
  const span = tracer.startSpan('documentFetch', {
    attributes: { 'url.full': 'http://127.0.0.1:5173/?token=secret&x=1', 'app.note': 'token=secret' },
  });
  scrubUrlFull(scrub)(span);
  assert.deepEqual((span as unknown as ReadableSpan).attributes, {
    'url.full': 'http://127.0.0.1:5173/?token=REDACTED&x=1',
    'app.note': 'token=secret',
  });
  const unsampled = new WebTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('test').startSpan('GET');
  assert.doesNotThrow(() => scrubUrlFull(scrub)(unsampled));
});
