// What the page asks its page server: both import this, so that they agree on the paths.

/** `GET /api/traces/<trace id>`: the trace as Jaeger's query API v3 has it so far. */
export const TRACE_API_PATH = '/api/traces/';
