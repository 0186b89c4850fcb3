import type { TraceSpan } from './parse.ts';
import { VITALS, webVitals } from './vitals.ts';

/** The page load's Web Vitals as its trace holds them, each with its rating; nothing when it holds none. */
export function WebVitals({ spans }: { spans: TraceSpan[] }) {
  const vitals = webVitals(spans);
  if (vitals.length === 0) return null;
  const toCome = VITALS.filter((name) => !vitals.some((vital) => vital.name === name));
  return (
    <section aria-label="Web Vitals" data-testid="web-vitals" className="web-vitals">
      <dl>
        {vitals.map(({ name, value, rating }) => (
          <div key={name} data-testid="web-vital" data-name={name}>
            <dt>{name}</dt>
            <dd>
              {value} <span className={`rating rating-${rating.replace(' ', '-')}`}>{rating}</span>
            </dd>
          </div>
        ))}
      </dl>
      {toCome.length > 0 && (
        <p className="hint">
          {toCome.join(', ')}: not in the trace yet. The page sends each vital once it is final: FCP at its first paint,
          LCP at the first click or key press, CLS and INP when the page is hidden.
        </p>
      )}
    </section>
  );
}
