import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMs } from './format.ts';

test('durations read as people write them', () => {
  assert.equal(formatMs(0.42), '0.4 ms');
  assert.equal(formatMs(301.5), '302 ms');
  assert.equal(formatMs(1534), '1.53 s');
});
