import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMs, formatTick } from './format.ts';

test('durations read as people write them', () => {
  assert.equal(formatMs(0.42), '0.4 ms');
  assert.equal(formatMs(301.5), '302 ms');
  assert.equal(formatMs(1534), '1.53 s');
});

test('ruler ticks read as round numbers, in seconds from 1 s on', () => {
  assert.deepEqual([0, 0.1, 5, 250, 1000, 1200, 12_000].map(formatTick), [
    '0 ms',
    '0.1 ms',
    '5 ms',
    '250 ms',
    '1 s',
    '1.2 s',
    '12 s',
  ]);
});
