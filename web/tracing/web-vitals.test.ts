import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import type {
  CLSMetricWithAttribution,
  FCPMetricWithAttribution,
  INPMetricWithAttribution,
  LCPMetricWithAttribution,
  TTFBMetricWithAttribution,
} from 'web-vitals/attribution';
import { urlScrubber } from './scrub-urls.ts';
import { vitalSpan, WebVitalSpans, withUrlsScrubbed } from './web-vitals.ts';

/** What every report of web-vitals has, for a page load that navigated. */
const REPORT = {
  id: 'v6-1700000000000-1',
  navigationType: 'navigate' as const,
  navigationId: 1,
  navigationStartTime: 0,
};

const lcp = (value: number, attribution: Partial<LCPMetricWithAttribution['attribution']> = {}) =>
  ({
    ...REPORT,
    name: 'LCP',
    value,
    delta: value,
    rating: 'good',
    entries: [],
    attribution: {
      timeToFirstByte: 20,
      resourceLoadDelay: 5,
      resourceLoadDuration: 30,
      elementRenderDelay: 10,
      ...attribution,
    },
  }) satisfies LCPMetricWithAttribution;

const fcp = (value: number) =>
  ({
    ...REPORT,
    name: 'FCP',
    value,
    delta: value,
    rating: 'good',
    entries: [],
    attribution: { timeToFirstByte: 20, firstByteToFCP: value - 20, loadState: 'dom-interactive' },
  }) satisfies FCPMetricWithAttribution;

const inp = (value: number, attribution: Partial<INPMetricWithAttribution['attribution']> = {}) =>
  ({
    ...REPORT,
    name: 'INP',
    value,
    delta: value,
    rating: 'needs-improvement',
    entries: [],
    attribution: {
      processedEventEntries: [],
      inputDelay: 2,
      processingDuration: value - 10,
      presentationDelay: 8,
      loadState: 'complete',
      longAnimationFrameEntries: [],
      ...attribution,
    },
  }) satisfies INPMetricWithAttribution;

const cls = (value: number, attribution: CLSMetricWithAttribution['attribution'] = {}) =>
  ({
    ...REPORT,
    name: 'CLS',
    value,
    delta: value,
    rating: 'good',
    entries: [],
    attribution,
  }) satisfies CLSMetricWithAttribution;

test("LCP, FCP and TTFB run from the navigation's start to what they measure, with the event's attributes", () => {
  assert.deepEqual(vitalSpan(lcp(1234.5, { target: 'main>h1', url: 'https://example.com/hero.png' }), 9000), {
    name: 'webVital LCP',
    startTime: 0,
    endTime: 1234.5,
    attributes: {
      'browser.web_vital.name': 'lcp',
      'browser.web_vital.value': 1234.5,
      'browser.web_vital.rating': 'good',
      'browser.web_vital.delta': 1234.5,
      'browser.web_vital.id': 'v6-1700000000000-1',
      'browser.web_vital.navigation_type': 'navigate',
      'browser.web_vital.attribution.target': 'main>h1',
      'browser.web_vital.attribution.url': 'https://example.com/hero.png',
    },
  });
  // Text has no resource: no url attribute, rather than an empty one.
  assert.equal(
    vitalSpan(lcp(800, { target: 'main>p' }), 9000).attributes['browser.web_vital.attribution.url'],
    undefined,
  );

  const fcpSpan = vitalSpan(fcp(300), 9000);
  assert.deepEqual([fcpSpan.name, fcpSpan.startTime, fcpSpan.endTime], ['webVital FCP', 0, 300]);
  assert.deepEqual(
    Object.keys(fcpSpan.attributes).filter((key) => key.includes('.attribution.')),
    [],
    'FCP carries no attribution',
  );

  const ttfb = {
    ...REPORT,
    name: 'TTFB',
    value: 95,
    delta: 95,
    rating: 'good',
    entries: [],
    attribution: { waitingDuration: 5, cacheDuration: 1, dnsDuration: 10, connectionDuration: 30, requestDuration: 49 },
  } satisfies TTFBMetricWithAttribution;
  const ttfbSpan = vitalSpan(ttfb, 9000);
  assert.deepEqual([ttfbSpan.name, ttfbSpan.startTime, ttfbSpan.endTime], ['webVital TTFB', 0, 95]);
  assert.deepEqual(
    Object.fromEntries(Object.entries(ttfbSpan.attributes).filter(([key]) => key.includes('.attribution.'))),
    {
      'browser.web_vital.attribution.waiting_duration': 5,
      'browser.web_vital.attribution.cache_duration': 1,
      'browser.web_vital.attribution.dns_duration': 10,
      'browser.web_vital.attribution.connection_duration': 30,
      'browser.web_vital.attribution.request_duration': 49,
    },
  );
});

test('after a restore from the back/forward cache, a vital runs from the restore', () => {
  const restored = { ...lcp(400), navigationType: 'back-forward-cache', navigationStartTime: 60_000 } as const;
  const span = vitalSpan(restored, 61_000);
  assert.deepEqual([span.startTime, span.endTime], [60_000, 60_400]);
  assert.equal(span.attributes['browser.web_vital.navigation_type'], 'back-forward-cache');
});

test('INP runs from the interaction to its next paint, naming its target and the longest script in it', () => {
  const script = { invoker: 'BUTTON.onclick', sourceURL: 'https://example.com/assets/index.js', duration: 180 };
  const span = vitalSpan(
    inp(208, {
      interactionTarget: 'form>button',
      interactionTime: 5000,
      longestScript: {
        entry: script as PerformanceScriptTiming,
        subpart: 'processing-duration',
        intersectingDuration: 170,
      },
    }),
    9000,
  );
  assert.deepEqual([span.name, span.startTime, span.endTime], ['webVital INP', 5000, 5208]);
  assert.equal(span.attributes['browser.web_vital.name'], 'inp');
  assert.equal(span.attributes['browser.web_vital.rating'], 'needs-improvement');
  assert.equal(span.attributes['browser.web_vital.attribution.interaction_target'], 'form>button');
  assert.equal(span.attributes['browser.web_vital.attribution.longest_script.invoker'], 'BUTTON.onclick');
  assert.equal(
    span.attributes['browser.web_vital.attribution.longest_script.source_url'],
    'https://example.com/assets/index.js',
  );
  assert.equal(span.attributes['browser.web_vital.attribution.longest_script.duration'], 180);

  // No long animation frame, no script; no interaction entry (below the browser's threshold): it ends
  // at the report.
  const quick = vitalSpan(inp(16), 9000);
  assert.deepEqual([quick.startTime, quick.endTime], [8984, 9000]);
  assert.deepEqual(
    Object.keys(quick.attributes).filter((key) => key.includes('.attribution.')),
    [],
  );
});

test("the URLs in a vital's attribution are scrubbed of secrets, as the page's other spans are", () => {
  const scrub = urlScrubber();
  const image = withUrlsScrubbed(
    vitalSpan(
      lcp(1200, { target: 'img.hero', url: 'https://user:secret@cdn.example.com/hero.png?sig=secret&w=800' }),
      1300,
    ),
    scrub,
  );
  assert.equal(
    image.attributes['browser.web_vital.attribution.url'],
    'https://REDACTED:REDACTED@cdn.example.com/hero.png?sig=REDACTED&w=800',
  );
  const script = { invoker: 'BUTTON.onclick', sourceURL: 'https://example.com/app.js?token=secret', duration: 180 };
  const interaction = withUrlsScrubbed(
    vitalSpan(
      inp(208, {
        longestScript: {
          entry: script as PerformanceScriptTiming,
          subpart: 'processing-duration',
          intersectingDuration: 170,
        },
      }),
      9000,
    ),
    scrub,
  );
  assert.equal(
    interaction.attributes['browser.web_vital.attribution.longest_script.source_url'],
    'https://example.com/app.js?token=REDACTED',
  );
});

test('CLS, a score, covers the page from its navigation to the report, naming the largest shift', () => {
  const shifted = vitalSpan(cls(0.12, { largestShiftTarget: 'main>section', largestShiftTime: 1500 }), 9000);
  assert.deepEqual([shifted.name, shifted.startTime, shifted.endTime], ['webVital CLS', 0, 9000]);
  assert.equal(shifted.attributes['browser.web_vital.value'], 0.12);
  assert.equal(shifted.attributes['browser.web_vital.attribution.largest_shift_target'], 'main>section');
  const still = vitalSpan(cls(0), 9000);
  assert.equal(still.attributes['browser.web_vital.value'], 0);
  assert.equal(still.attributes['browser.web_vital.attribution.largest_shift_target'], undefined);
});

// One provider for the file: web-vitals.ts takes its tracer from the global provider once.
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new WebTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

test('vitals reported before documentLoad wait for it, then go under it, in its trace, as do later ones', () => {
  exporter.reset();
  const vitals = new WebVitalSpans();
  // Times on the performance clock, all past, as web-vitals reports them: here, since the process began.
  const lcpTime = performance.now() / 2;
  vitals.record(vitalSpan(lcp(lcpTime), lcpTime));
  vitals.record(vitalSpan(fcp(lcpTime / 2), lcpTime / 2));
  assert.deepEqual(exporter.getFinishedSpans(), [], 'nothing before documentLoad');

  const documentLoad = trace.getTracer('test').startSpan('documentLoad');
  vitals.recordUnder(documentLoad);
  documentLoad.end();
  vitals.record(vitalSpan(cls(0), performance.now()));

  const spans = exporter.getFinishedSpans();
  const load = spans.find((span) => span.name === 'documentLoad');
  assert.ok(load);
  const vitalSpans = spans.filter((span) => span !== load);
  assert.deepEqual(
    vitalSpans.map((span) => span.name),
    ['webVital LCP', 'webVital FCP', 'webVital CLS'],
  );
  for (const span of vitalSpans) {
    assert.equal(span.spanContext().traceId, load.spanContext().traceId, span.name);
    assert.equal(span.parentSpanContext?.spanId, load.spanContext().spanId, span.name);
  }
  // The performance clock's times become the span's: LCP lasts its value.
  const [lcpSpan] = vitalSpans;
  assert.ok(Math.abs(lcpSpan.duration[0] * 1000 + lcpSpan.duration[1] / 1e6 - lcpTime) < 0.01);
});

test('a documentLoad that is not sampled keeps its vitals out of the trace, as it is kept out', () => {
  exporter.reset();
  const vitals = new WebVitalSpans();
  vitals.record(vitalSpan(fcp(1), 1));
  const notSampled = trace.wrapSpanContext({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.NONE,
  });
  vitals.recordUnder(notSampled);
  vitals.record(vitalSpan(cls(0), performance.now()));
  assert.deepEqual(exporter.getFinishedSpans(), []);
});
