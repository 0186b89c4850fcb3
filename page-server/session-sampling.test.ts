import assert from 'node:assert/strict';
import { test } from 'node:test';
import { context, trace, type Attributes } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SESSION_SAMPLED, pageLoadSampler, sessionSampledOf, sessionSampler } from './session-sampling.ts';

test("the session's decision is one otel-session-sampled cookie of 1 or 0, among any others", () => {
  for (const [header, decision] of [
    ['otel-session-sampled=1', true],
    ['otel-session-sampled=0', false],
    ['theme=dark; otel-session-sampled=1; lang=en', true],
    [' otel-session-sampled = 0 ;', false],
    ['otel-session-sampled=1; otel-session-sampled=1', true],
    [undefined, undefined],
    ['', undefined],
    ['theme=dark', undefined],
  ] as const) {
    assert.equal(sessionSampledOf(header), decision, String(header));
  }
});

test('any other value, or two that disagree, is no decision', () => {
  for (const header of [
    'otel-session-sampled=1; otel-session-sampled=0',
    'otel-session-sampled=',
    'otel-session-sampled',
    'otel-session-sampled=01',
    'otel-session-sampled=1x',
    'otel-session-sampled="1"',
    'otel-session-sampled=1=1',
    'otel-session-sampled=true',
    'otel-session-sampled=-1',
    `otel-session-sampled=${'1'.repeat(8_000)}`,
    'otel-session-sampled=<script>alert(1)</script>',
    'OTEL-SESSION-SAMPLED=1',
    'x-otel-session-sampled=1',
  ]) {
    assert.equal(sessionSampledOf(header), undefined, header.slice(0, 80));
  }
});

/** Whether `sampler`'s tracer records a root span with these attributes, and a child of it. */
function records(ratio: number, attributes: Attributes = {}): boolean {
  const tracer = new TracerProvider({ sampler: sessionSampler(ratio) }).getTracer('test');
  const root = tracer.startSpan('GET /', { attributes });
  const child = tracer.startSpan('child', {}, trace.setSpan(context.active(), root));
  assert.equal(child.isRecording(), root.isRecording(), 'a child follows its parent');
  return root.isRecording();
}

test("a page load follows its session's decision whatever the ratio; without one the ratio decides by trace id", () => {
  assert.equal(records(0, { [ATTR_SESSION_SAMPLED]: true }), true);
  assert.equal(records(1, { [ATTR_SESSION_SAMPLED]: false }), false);
  assert.equal(records(0), false);
  assert.equal(records(1), true);
  let kept = 0;
  for (let load = 0; load < 2_000; load++) if (records(0.5)) kept++;
  // Binomial(2000, 0.5), with random trace ids: outside 1000 ± 112 (5 standard deviations) about 6 in 10 million times.
  assert.ok(Math.abs(kept - 1000) <= 112, `${kept} of 2000 kept`);
});

/** Whether the page server's sampler for `env` records a page load without a cookie. */
const recordsWith = (env: Record<string, string>) =>
  new TracerProvider({ sampler: pageLoadSampler(env) }).getTracer('test').startSpan('GET /').isRecording();

test('the ratio is VITE_SESSION_SAMPLE_RATIO, required; OTEL_TRACES_SAMPLER replaces the sampler', () => {
  assert.equal(recordsWith({ VITE_SESSION_SAMPLE_RATIO: '0' }), false);
  assert.equal(recordsWith({ VITE_SESSION_SAMPLE_RATIO: '1' }), true);
  assert.equal(pageLoadSampler({ OTEL_TRACES_SAMPLER: 'always_off', VITE_SESSION_SAMPLE_RATIO: '1' }), undefined);
  assert.throws(
    () => pageLoadSampler({}),
    /^Error: VITE_SESSION_SAMPLE_RATIO is not set: \.env at the repository root holds it/,
  );
  assert.throws(() => pageLoadSampler({ VITE_SESSION_SAMPLE_RATIO: '50%' }), {
    message: 'VITE_SESSION_SAMPLE_RATIO must be a ratio from 0 to 1 such as 0.25, got "50%"',
  });
});
