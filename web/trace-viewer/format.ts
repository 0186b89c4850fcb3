/** A duration as people write it: 0.4 ms, 302 ms, 1.53 s. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 0 : 1)} ms`;
}

/** A ruler tick's time, a round number: 0 ms, 0.5 ms, 250 ms, 1 s, 1.2 s. */
export function formatTick(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${ms} ms`;
}
