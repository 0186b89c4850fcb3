// Web Vitals (LCP, INP, CLS, FCP, TTFB) from web-vitals' attribution build, each report a span under
// the page load's documentLoad. OpenTelemetry's conventions make a report a `browser.web_vital` event,
// a log record; this pipeline carries traces only (Jaeger stores no logs), so here it is a span with
// the event's attributes.
import { ROOT_CONTEXT, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { onCLS, onFCP, onINP, onLCP, onTTFB, type MetricWithAttribution } from 'web-vitals/attribution';
import type { Scrub } from './scrub-urls.ts';

// The browser.web_vital attributes of the semantic conventions, still in development: copied here, as
// @opentelemetry/semantic-conventions asks, rather than imported from its `incubating` entry point.
const ATTR_BROWSER_WEB_VITAL_NAME = 'browser.web_vital.name';
const ATTR_BROWSER_WEB_VITAL_VALUE = 'browser.web_vital.value';
const ATTR_BROWSER_WEB_VITAL_RATING = 'browser.web_vital.rating';
const ATTR_BROWSER_WEB_VITAL_DELTA = 'browser.web_vital.delta';
const ATTR_BROWSER_WEB_VITAL_ID = 'browser.web_vital.id';
const ATTR_BROWSER_WEB_VITAL_NAVIGATION_TYPE = 'browser.web_vital.navigation_type';
/** The attribution that matters for each vital: web-vitals' own field names, in snake_case. */
const ATTRIBUTION = 'browser.web_vital.attribution';
/** The attribution that holds URLs: LCP's resource and INP's longest script. */
const URL_ATTRIBUTES = [`${ATTRIBUTION}.url`, `${ATTRIBUTION}.longest_script.source_url`];

const tracer = trace.getTracer('web-vitals');

/** A vital's span, its times in milliseconds on the page's performance clock (since its time origin). */
export interface VitalSpan {
  name: string;
  startTime: number;
  endTime: number;
  attributes: Attributes;
}

/**
 * The span of one report of `metric`, made at `reportedAt`. A vital is a measurement, not an
 * operation: its span covers what it measured. TTFB, FCP and LCP run from the navigation's start to
 * the moment they name, and INP from the interaction to its next paint, so that each lasts its value;
 * CLS, a score, covers the stretch of the page's life that it scores, up to its report.
 */
export function vitalSpan(metric: MetricWithAttribution, reportedAt: number): VitalSpan {
  // 0 for the page load; a restore from the back/forward cache starts a navigation of its own.
  const navigationStart = metric.navigationStartTime ?? 0;
  let startTime = navigationStart;
  let endTime = navigationStart + metric.value;
  let attribution: Record<string, string | number | undefined>;
  switch (metric.name) {
    case 'LCP':
      attribution = { target: metric.attribution.target, url: metric.attribution.url };
      break;
    case 'INP': {
      const { interactionTime, interactionTarget, longestScript } = metric.attribution;
      // Without the interaction's entry (below the browser's threshold), it ends at the report.
      startTime = interactionTime ?? reportedAt - metric.value;
      endTime = startTime + metric.value;
      // The script that ran longest within the interaction, from the Long Animation Frames API.
      attribution = {
        interaction_target: interactionTarget,
        'longest_script.invoker': longestScript?.entry.invoker,
        'longest_script.source_url': longestScript?.entry.sourceURL,
        'longest_script.duration': longestScript?.entry.duration,
      };
      break;
    }
    case 'CLS':
      endTime = reportedAt;
      attribution = { largest_shift_target: metric.attribution.largestShiftTarget };
      break;
    case 'TTFB': {
      // Its phases, which add up to its value.
      const { waitingDuration, cacheDuration, dnsDuration, connectionDuration, requestDuration } = metric.attribution;
      attribution = {
        waiting_duration: waitingDuration,
        cache_duration: cacheDuration,
        dns_duration: dnsDuration,
        connection_duration: connectionDuration,
        request_duration: requestDuration,
      };
      break;
    }
    case 'FCP':
      attribution = {};
  }
  const attributes: Attributes = {
    [ATTR_BROWSER_WEB_VITAL_NAME]: metric.name.toLowerCase(),
    [ATTR_BROWSER_WEB_VITAL_VALUE]: metric.value,
    [ATTR_BROWSER_WEB_VITAL_RATING]: metric.rating,
    [ATTR_BROWSER_WEB_VITAL_DELTA]: metric.delta,
    [ATTR_BROWSER_WEB_VITAL_ID]: metric.id,
    [ATTR_BROWSER_WEB_VITAL_NAVIGATION_TYPE]: metric.navigationType,
  };
  for (const [key, value] of Object.entries(attribution)) {
    if (value !== undefined) attributes[`${ATTRIBUTION}.${key}`] = value;
  }
  return { name: `webVital ${metric.name}`, startTime, endTime, attributes };
}

/**
 * Records vital spans as children of the page load's documentLoad span, and holds those reported before
 * it exists (TTFB and FCP, often) until it does. documentLoad starts after the `load` event, so a page
 * left before then sends no documentLoad and none of its vitals.
 */
export class WebVitalSpans {
  #parent: Context | undefined;
  readonly #held: VitalSpan[] = [];

  record(vital: VitalSpan): void {
    if (this.#parent) start(vital, this.#parent);
    else this.#held.push(vital);
  }

  /** Call with documentLoad before it ends: the held vitals start now, in its trace; the next ones too. */
  recordUnder(documentLoad: Span): void {
    this.#parent = trace.setSpanContext(ROOT_CONTEXT, documentLoad.spanContext());
    for (const vital of this.#held.splice(0)) start(vital, this.#parent);
  }
}

/** The vital with each URL in its attribution scrubbed of secrets, as the page's other spans are. */
export function withUrlsScrubbed(vital: VitalSpan, scrub: Scrub): VitalSpan {
  for (const key of URL_ATTRIBUTES) {
    const value = vital.attributes[key];
    if (typeof value === 'string') vital.attributes[key] = scrub(value);
  }
  return vital;
}

function start({ name, startTime, endTime, attributes }: VitalSpan, parent: Context): void {
  tracer.startSpan(name, { startTime, attributes }, parent).end(endTime);
}

/**
 * Reports each vital as web-vitals does by default: TTFB and FCP once, LCP at the first input or when
 * the page is hidden, CLS and INP each time the page is hidden (when they changed), which is when they
 * are final. web-vitals hears `visibilitychange` on window, as it is captured, so its reports become
 * spans before the batch span processor's flush on the document sends what the page holds.
 */
export function traceWebVitals(scrub: Scrub): WebVitalSpans {
  const spans = new WebVitalSpans();
  const report = (metric: MetricWithAttribution) =>
    spans.record(withUrlsScrubbed(vitalSpan(metric, performance.now()), scrub));
  onTTFB(report);
  onFCP(report);
  onLCP(report);
  onINP(report);
  onCLS(report);
  return spans;
}
