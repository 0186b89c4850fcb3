// What the page asks its page server: both import this, so that they agree on the paths and answers.

/** Every path of the page's API starts with this; the page does not trace its requests there. */
export const PAGE_API_PATH = '/api/';

/** `GET /api/traces/<trace id>`: the trace as Jaeger's query API v3 has it so far. */
export const TRACE_API_PATH = `${PAGE_API_PATH}traces/`;

/** `GET /api/jaeger-ui`: whether Jaeger serves its UI, answered with a {@link JaegerUiAnswer}. */
export const JAEGER_UI_API_PATH = `${PAGE_API_PATH}jaeger-ui`;

/** Whether Jaeger serves its UI; when it does not, a sentence that says why. */
export type JaegerUiAnswer = { ui: true } | { ui: false; reason: string };

/** `GET /api/trace-wait`: how long the page waits for a trace in Jaeger, answered with a {@link TraceWait}. */
export const TRACE_WAIT_API_PATH = `${PAGE_API_PATH}trace-wait`;

/** The page waits this long when the page server does not say. */
export const DEFAULT_TRACE_WAIT_SECONDS = 30;

/**
 * How long the page waits for a trace to reach Jaeger and, when gateways sample whole traces
 * (`tail_sampling`), which traces they keep: any other may never arrive.
 */
export interface TraceWait {
  seconds: number;
  tailSampling?: TailSampling;
}

/** The gateways' tail sampling, as scale/gateway.yaml configures it. */
export interface TailSampling {
  /**
   * A gateway decides once this long has passed since a trace's root span reached it
   * (`decision_wait_after_root_received`), at its next 1 s tick.
   */
  decisionWaitAfterRootMs: number;
  /** It keeps every trace with an error, every trace that takes this long or longer, */
  slowMs: number;
  /** and this share of the rest. */
  keepPercent: number;
}
