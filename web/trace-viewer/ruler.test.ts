import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rulerTicks } from './ruler.ts';

const times = (totalMs: number, maxIntervals?: number) => rulerTicks(totalMs, maxIntervals).map((tick) => tick.ms);

test('ticks are a round step apart, 1, 2 or 5 × 10^n ms, from 0 to no further than the end', () => {
  assert.deepEqual(times(40), [0, 10, 20, 30, 40]);
  assert.deepEqual(times(37), [0, 10, 20, 30]);
  assert.deepEqual(times(331), [0, 100, 200, 300]);
  assert.deepEqual(times(1534), [0, 500, 1000, 1500]);
  assert.deepEqual(times(12_000), [0, 2000, 4000, 6000, 8000, 10_000, 12_000]);
});

test('the step grows until the ticks fit in the intervals asked for', () => {
  assert.deepEqual(times(40, 8), [0, 5, 10, 15, 20, 25, 30, 35, 40]);
  assert.deepEqual(times(331, 8), [0, 50, 100, 150, 200, 250, 300]);
  assert.deepEqual(times(1534, 8), [0, 200, 400, 600, 800, 1000, 1200, 1400]);
  assert.deepEqual(times(99, 2), [0, 50]);
  for (const totalMs of [0.37, 3.7, 37, 370, 3700, 37_000]) {
    for (const maxIntervals of [2, 5, 8]) {
      const ticks = times(totalMs, maxIntervals);
      assert.ok(
        ticks.length >= 2 && ticks.length <= maxIntervals + 1,
        `${totalMs} ms in at most ${maxIntervals}: ${ticks}`,
      );
      assert.ok(ticks.at(-1)! <= totalMs && ticks.at(-1)! + ticks[1] > totalMs, `${totalMs} ms: ${ticks}`);
    }
  }
});

test('below a millisecond the steps are round too, without floating-point noise', () => {
  assert.deepEqual(times(0.7, 7), [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  assert.deepEqual(times(0.7), [0, 0.2, 0.4, 0.6]);
  assert.deepEqual(times(0.05), [0, 0.01, 0.02, 0.03, 0.04, 0.05]);
});

test('each tick sits at its share of the whole trace', () => {
  assert.deepEqual(rulerTicks(40, 4), [
    { ms: 0, percent: 0 },
    { ms: 10, percent: 25 },
    { ms: 20, percent: 50 },
    { ms: 30, percent: 75 },
    { ms: 40, percent: 100 },
  ]);
  assert.deepEqual(rulerTicks(0), [{ ms: 0, percent: 0 }]);
});
