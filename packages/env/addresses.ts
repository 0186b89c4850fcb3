// Where the stack's parts reach each other, from the ports in .env, unless a *_URL variable names
// another address (as compose does with its service names).
import { readOrigins, readPort, readUrl, type Env } from './index.ts';

/** The origins the page is served from, with either spelling of loopback: what the server's CORS allows. */
export function pageOrigins(env: Env): string[] {
  return readOrigins(env, 'CORS_ALLOWED_ORIGINS', () => {
    const port = readPort(env, 'PAGE_PORT');
    return `http://localhost:${port},http://127.0.0.1:${port}`;
  });
}

/** The greeter, which the server calls in the downstream scenario. */
export const greeterUrl = (env: Env) =>
  readUrl(env, 'GREETER_URL', () => `http://127.0.0.1:${readPort(env, 'GREETER_PORT')}`);

/** Jaeger's query API, where the page server reads traces for the page. */
export const jaegerQueryUrl = (env: Env) =>
  readUrl(env, 'JAEGER_QUERY_URL', () => `http://localhost:${readPort(env, 'JAEGER_UI_PORT')}`);

/** The collector's browser receiver, where the page server relays the page's spans. */
export const collectorBrowserUrl = (env: Env) =>
  readUrl(env, 'COLLECTOR_BROWSER_URL', () => `http://127.0.0.1:${readPort(env, 'COLLECTOR_BROWSER_PORT')}`);
