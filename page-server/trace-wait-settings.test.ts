import assert from 'node:assert/strict';
import { test } from 'node:test';
import { traceWaitSettings } from './trace-wait-settings.ts';

test('without tail sampling the page waits 30 s, or TRACE_WAIT_SECONDS, and expects every trace', () => {
  assert.deepEqual(traceWaitSettings({}), { seconds: 30 });
  assert.deepEqual(traceWaitSettings({ TAIL_SAMPLING: 'false', TRACE_WAIT_SECONDS: '5' }), { seconds: 5 });
  assert.deepEqual(traceWaitSettings({ TAIL_SAMPLING: '', TRACE_WAIT_SECONDS: '' }), { seconds: 30 });
});

/** The gateways' policy as .env sets it. */
const POLICY = {
  TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS: '1000',
  TAIL_SAMPLING_SLOW_MS: '1000',
  TAIL_SAMPLING_KEEP_PERCENT: '100',
};

test("with TAIL_SAMPLING=true the page also learns the gateways' policy, from the variables gateway.yaml reads", () => {
  // The gateways decide within 2 s of the root span (their 1 s tick after 1 s), and 20 s leave room for load.
  assert.deepEqual(traceWaitSettings({ TAIL_SAMPLING: 'true', ...POLICY }), {
    seconds: 22,
    tailSampling: { decisionWaitAfterRootMs: 1000, slowMs: 1000, keepPercent: 100 },
  });
  assert.equal(
    traceWaitSettings({ TAIL_SAMPLING: 'true', ...POLICY, TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS: '2500' }).seconds,
    23,
  );
  assert.deepEqual(
    traceWaitSettings({
      TAIL_SAMPLING: 'true',
      TRACE_WAIT_SECONDS: '3',
      TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS: '1000',
      TAIL_SAMPLING_SLOW_MS: '250',
      TAIL_SAMPLING_KEEP_PERCENT: '12.5',
    }),
    { seconds: 3, tailSampling: { decisionWaitAfterRootMs: 1000, slowMs: 250, keepPercent: 12.5 } },
  );
  assert.equal(
    traceWaitSettings({ TAIL_SAMPLING: 'true', ...POLICY, TAIL_SAMPLING_KEEP_PERCENT: '0' }).tailSampling?.keepPercent,
    0,
  );
});

test('a malformed setting is an error that names the variable, an example and the value', () => {
  const cases: [Record<string, string>, string][] = [
    [{ TRACE_WAIT_SECONDS: '0' }, 'TRACE_WAIT_SECONDS must be a whole number above 0 such as 30, got "0"'],
    [{ TRACE_WAIT_SECONDS: '2.5' }, 'TRACE_WAIT_SECONDS must be a whole number above 0 such as 30, got "2.5"'],
    [{ TRACE_WAIT_SECONDS: '30s' }, 'TRACE_WAIT_SECONDS must be a whole number above 0 such as 30, got "30s"'],
    [{ TAIL_SAMPLING: 'yes' }, 'TAIL_SAMPLING must be true or false, got "yes"'],
    [{ TAIL_SAMPLING: 'TRUE' }, 'TAIL_SAMPLING must be true or false, got "TRUE"'],
    [
      { TAIL_SAMPLING: 'true', ...POLICY, TAIL_SAMPLING_SLOW_MS: '1s' },
      'TAIL_SAMPLING_SLOW_MS must be a whole number above 0, got "1s"',
    ],
    [
      { TAIL_SAMPLING: 'true', ...POLICY, TAIL_SAMPLING_KEEP_PERCENT: '101' },
      'TAIL_SAMPLING_KEEP_PERCENT must be a percentage from 0 to 100, got "101"',
    ],
    [
      { TAIL_SAMPLING: 'true', ...POLICY, TAIL_SAMPLING_KEEP_PERCENT: '10%' },
      'TAIL_SAMPLING_KEEP_PERCENT must be a percentage from 0 to 100, got "10%"',
    ],
    [
      { TAIL_SAMPLING: 'true', ...POLICY, TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS: '0.5s' },
      'TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS must be a whole number above 0, got "0.5s"',
    ],
    [
      { TAIL_SAMPLING: 'true', TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS: '1000', TAIL_SAMPLING_KEEP_PERCENT: '100' },
      'TAIL_SAMPLING_SLOW_MS is not set: .env at the repository root holds it, which npm start and docker compose pass on',
    ],
  ];
  for (const [env, message] of cases) assert.throws(() => traceWaitSettings(env), { message }, JSON.stringify(env));
});

test('with tail sampling the page must wait longer than the gateways hold a trace after its root span', () => {
  assert.throws(() => traceWaitSettings({ TAIL_SAMPLING: 'true', ...POLICY, TRACE_WAIT_SECONDS: '2' }), {
    message:
      'TRACE_WAIT_SECONDS (2) must be longer than 2 s: with TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS at 1000, the gateways hold a trace up to that long after its root span arrives before they store it',
  });
  assert.equal(traceWaitSettings({ TAIL_SAMPLING: 'true', ...POLICY, TRACE_WAIT_SECONDS: '3' }).seconds, 3);
  // Without tail sampling nothing holds a trace back.
  assert.deepEqual(traceWaitSettings({ TRACE_WAIT_SECONDS: '1' }), { seconds: 1 });
});
