import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe, ErrorBudget } from './page-errors.ts';
import { urlScrubber } from './scrub-urls.ts';

const scrub = urlScrubber();

test('the budget lets a burst through, then one error per refill, and counts what it dropped', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 0 });
  const budget = new ErrorBudget(10, 6_000);
  const burst = Array.from({ length: 1000 }, () => budget.take());
  assert.deepEqual(
    burst.slice(0, 10),
    Array.from({ length: 10 }, () => 0),
  );
  assert.equal(burst.filter((taken) => taken !== undefined).length, 10);
  t.mock.timers.tick(5_999);
  assert.equal(budget.take(), undefined);
  t.mock.timers.tick(1);
  assert.equal(budget.take(), 991, 'the next error sent carries the count dropped since the last one');
  assert.equal(budget.take(), undefined);
  // A quiet minute fills the budget again, to the burst and no further.
  t.mock.timers.tick(600_000);
  assert.equal(Array.from({ length: 20 }, () => budget.take()).filter((taken) => taken !== undefined).length, 10);
});

test('whatever was thrown becomes exception attributes', () => {
  const error = new TypeError('no such thing');
  assert.deepEqual(describe(error, scrub), {
    'exception.type': 'TypeError',
    'exception.message': 'no such thing',
    'exception.stacktrace': error.stack,
  });
  assert.deepEqual(describe('plain words', scrub), { 'exception.type': 'string', 'exception.message': 'plain words' });
  assert.deepEqual(describe({ code: 7 }, scrub), { 'exception.type': 'object', 'exception.message': '{"code":7}' });
  assert.deepEqual(describe(null, scrub), { 'exception.type': 'null', 'exception.message': 'null' });
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.deepEqual(describe(cycle, scrub), { 'exception.type': 'object', 'exception.message': '[object Object]' });
  assert.deepEqual(describe(Object.create(null), scrub), { 'exception.type': 'object', 'exception.message': '{}' });
});

test("the URLs in an error's message and stack trace are scrubbed; its type is not", () => {
  const error = new Error('could not load http://127.0.0.1:5173/?token=secret&x=1');
  error.stack = `Error: ${error.message}\n    at http://user:secret@127.0.0.1:5173/assets/index.js:1:100`;
  assert.deepEqual(describe(error, scrub), {
    'exception.type': 'Error',
    'exception.message': 'could not load http://127.0.0.1:5173/?token=REDACTED&x=1',
    'exception.stacktrace':
      'Error: could not load http://127.0.0.1:5173/?token=REDACTED&x=1\n' +
      '    at http://REDACTED:REDACTED@127.0.0.1:5173/assets/index.js:1:100',
  });
  assert.deepEqual(describe('https://a.example/?sig=secret', scrub), {
    'exception.type': 'string',
    'exception.message': 'https://a.example/?sig=REDACTED',
  });
});
