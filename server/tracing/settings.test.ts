import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSwitch } from './settings.ts';

test('true and false, in any case and with spaces around them, are read as such', (t) => {
  const printed = t.mock.method(console, 'error', () => {});
  for (const value of ['true', 'TRUE', ' True ']) assert.equal(readSwitch('SWITCH', { SWITCH: value }), true, value);
  for (const value of ['false', 'False']) assert.equal(readSwitch('SWITCH', { SWITCH: value }), false, value);
  assert.equal(printed.mock.callCount(), 0);
});

test('unset or empty is false, silently', (t) => {
  const printed = t.mock.method(console, 'error', () => {});
  assert.equal(readSwitch('SWITCH', {}), false);
  assert.equal(readSwitch('SWITCH', { SWITCH: '' }), false);
  assert.equal(printed.mock.callCount(), 0);
});

test('anything else is refused in one line naming the variable, and false applies', (t) => {
  const printed = t.mock.method(console, 'error', () => {});
  for (const value of ['1', 'yes', 'on']) assert.equal(readSwitch('TRACING_X', { TRACING_X: value }), false, value);
  assert.deepEqual(
    printed.mock.calls.map((call) => call.arguments[0]),
    ['1', 'yes', 'on'].map(
      (value) => `OpenTelemetry: TRACING_X must be true or false, got "${value}": it stays false.`,
    ),
  );
});
