import type { CSSProperties } from 'react';
import { formatTick } from './format.ts';
import type { Tick } from './ruler.ts';

/** Time since the trace began, across the top of the bars, in the same columns as the waterfall's rows. */
export function TimeRuler({ ticks }: { ticks: Tick[] }) {
  return (
    <div className="ruler-row" aria-hidden="true">
      <span className="ruler-caption">time since the trace began</span>
      <span className="ruler" data-testid="ruler">
        {ticks.map((tick) => (
          <span key={tick.ms} className="tick" style={{ left: `${tick.percent}%` }}>
            <span className="tick-label">{formatTick(tick.ms)}</span>
          </span>
        ))}
      </span>
    </div>
  );
}

/** The ticks' spacing as a CSS variable, from which every row's track draws faint lines under the ticks. */
export function tickSpacing(ticks: Tick[]): CSSProperties {
  return ticks.length > 1 ? ({ '--tick-spacing': `${ticks[1].percent}%` } as CSSProperties) : {};
}
