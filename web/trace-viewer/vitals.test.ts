import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jaegerAnswer } from './fixture.ts';
import { parseJaegerTrace, type TraceSpan } from './parse.ts';
import { webVitals } from './vitals.ts';

const vitalSpan = (name: string, value: number, rating: string, endMs: number): TraceSpan => ({
  ...parseJaegerTrace(jaegerAnswer)[0],
  name: `webVital ${name.toUpperCase()}`,
  startMs: 0,
  durationMs: endMs,
  attributes: [
    ['browser.web_vital.name', name],
    ['browser.web_vital.value', String(value)],
    ['browser.web_vital.rating', rating],
  ],
});

test("a page load's vitals: the last report of each, Core Web Vitals first, each value with its unit", () => {
  const spans = [
    ...parseJaegerTrace(jaegerAnswer),
    vitalSpan('ttfb', 324.5, 'good', 324.5),
    vitalSpan('fcp', 616, 'good', 616),
    vitalSpan('lcp', 2616, 'needs-improvement', 2616),
    // Reported on each hide while it grows, in no order in Jaeger's answer: the last report is the value.
    vitalSpan('cls', 0.05, 'good', 5000),
    vitalSpan('cls', 0.3, 'poor', 9000),
    vitalSpan('cls', 0.1, 'needs-improvement', 7000),
    vitalSpan('inp', 160, 'good', 4000),
  ];
  assert.deepEqual(webVitals(spans), [
    { name: 'LCP', value: '2.62 s', rating: 'needs improvement' },
    { name: 'INP', value: '160 ms', rating: 'good' },
    { name: 'CLS', value: '0.30', rating: 'poor' },
    { name: 'FCP', value: '616 ms', rating: 'good' },
    { name: 'TTFB', value: '325 ms', rating: 'good' },
  ]);
});

test('a trace without vital spans has no vitals', () => {
  assert.deepEqual(webVitals(parseJaegerTrace(jaegerAnswer)), []);
});
