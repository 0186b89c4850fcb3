/** A mark on the waterfall's time ruler: its time since the trace began, and where it sits in percent of the trace. */
export interface Tick {
  ms: number;
  percent: number;
}

/**
 * Marks for a ruler from 0 to `totalMs`, a round step apart (1, 2 or 5 × 10^n ms): as many as fit in
 * at most `maxIntervals` steps, starting at 0 and none past the end.
 */
export function rulerTicks(totalMs: number, maxIntervals = 6): Tick[] {
  if (!(totalMs > 0)) return [{ ms: 0, percent: 0 }];
  const magnitude = 10 ** Math.floor(Math.log10(totalMs / maxIntervals));
  // 10 × magnitude always fits, since magnitude ≤ totalMs / maxIntervals < 10 × magnitude.
  const step = [1, 2, 5, 10]
    .map((multiple) => multiple * magnitude)
    .find((candidate) => totalMs / candidate <= maxIntervals)!;
  // Multiples of 0.1 and smaller come out of floating point as 0.30000000000000004: round them back.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const count = Math.floor(totalMs / step + 1e-9);
  return Array.from({ length: count + 1 }, (_, index) => {
    const ms = Number((index * step).toFixed(decimals));
    return { ms, percent: (ms / totalMs) * 100 };
  });
}
