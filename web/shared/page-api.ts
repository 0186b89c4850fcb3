// What the page asks its page server: both import this, so that they agree on the paths and answers.

/** `GET /api/traces/<trace id>`: the trace as Jaeger's query API v3 has it so far. */
export const TRACE_API_PATH = '/api/traces/';

/** `GET /api/jaeger-ui`: whether Jaeger serves its UI, answered with a {@link JaegerUiAnswer}. */
export const JAEGER_UI_API_PATH = '/api/jaeger-ui';

/** Whether Jaeger serves its UI; when it does not, a sentence that says why. */
export type JaegerUiAnswer = { ui: true } | { ui: false; reason: string };
