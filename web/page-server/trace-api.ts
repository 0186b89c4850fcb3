/** Where the page asks its page server for a trace: `GET /api/traces/<trace id>`. */
export const TRACE_API_PATH = '/api/traces/';
