import { formatMs } from './format.ts';
import type { TraceSpan } from './parse.ts';

export interface WebVital {
  /** LCP, INP, CLS, FCP or TTFB. */
  name: string;
  /** With its unit: milliseconds or seconds, or none for CLS, a score. */
  value: string;
  rating: 'good' | 'needs improvement' | 'poor';
}

/** The vitals the page sends, the Core Web Vitals first, as web.dev lists them. */
export const VITALS = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'];

/**
 * The vitals that a page load's trace holds, from the spans that carry `browser.web_vital.name`: the
 * last report of each (CLS and INP are reported again when they grow), in the order of {@link VITALS}.
 */
export function webVitals(spans: TraceSpan[]): WebVital[] {
  const last = new Map<string, { endMs: number; value: number; rating: string }>();
  for (const span of spans) {
    const attribute = (key: string) => span.attributes.find(([name]) => name === `browser.web_vital.${key}`)?.[1];
    const name = attribute('name')?.toUpperCase();
    const endMs = span.startMs + span.durationMs;
    if (!name || endMs < (last.get(name)?.endMs ?? -Infinity)) continue;
    last.set(name, { endMs, value: Number(attribute('value')), rating: attribute('rating') ?? '' });
  }
  return VITALS.flatMap((name) => {
    const vital = last.get(name);
    if (!vital) return [];
    return {
      name,
      value: name === 'CLS' ? vital.value.toFixed(2) : formatMs(vital.value),
      rating: vital.rating.replace('-', ' ') as WebVital['rating'],
    };
  });
}
