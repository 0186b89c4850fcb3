// What the page asks its page server: both import this, so that they agree on the paths and answers.

/** Every path of the page's API starts with this; the page does not trace its requests there. */
export const PAGE_API_PATH = '/api/';

/** `GET /api/traces/<trace id>`: the trace as Jaeger's query API v3 has it so far. */
export const TRACE_API_PATH = `${PAGE_API_PATH}traces/`;

/** `GET /api/jaeger-ui`: whether Jaeger serves its UI, answered with a {@link JaegerUiAnswer}. */
export const JAEGER_UI_API_PATH = `${PAGE_API_PATH}jaeger-ui`;

/** Whether Jaeger serves its UI; when it does not, a sentence that says why. */
export type JaegerUiAnswer = { ui: true } | { ui: false; reason: string };
