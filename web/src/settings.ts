import { readChoice, readCount, readUrl } from '@hello-trace/env';
import { PAGE_API_PATH } from '@hello-trace/page-api';

/** How the stack was started, and so where to look when the server does not answer. */
export type Stack = 'npm' | 'compose';

export interface Settings {
  serviceName: string;
  otlpTracesUrl: string;
  serverUrl: string;
  jaegerUiUrl: string;
  /** Milliseconds between the page's span exports. */
  batchDelayMs: number;
  /** When a session ends, in seconds, as web-common's SessionManager takes them. */
  session: { inactivityTimeout: number; maxDuration: number };
  stack: Stack;
  /** Where fetch sends trace headers: the server's origin only. */
  traceHeaderUrls: RegExp[];
  /** What fetch does not trace: the page's own API on the page's origin, and the page's exports. */
  untracedUrls: RegExp[];
}

type Env = Record<string, string | undefined>;

/**
 * The page's settings from its VITE_* variables and the origin it is served from; throws an error
 * naming the variable when one is malformed.
 */
export function readSettings(env: Env, pageOrigin = 'http://localhost:5173'): Settings {
  const serverUrl = readUrl(env, 'VITE_SERVER_URL', 'http://localhost:8000');
  // By default the page's own origin, whose page server relays to the collector with a per-client rate.
  const otlpTracesUrl = readUrl(env, 'VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', new URL('/v1/traces', pageOrigin).href);
  return {
    serviceName: env.VITE_OTEL_SERVICE_NAME || 'hello-web',
    otlpTracesUrl,
    serverUrl,
    jaegerUiUrl: readUrl(env, 'VITE_JAEGER_UI_URL', 'http://localhost:16686'),
    batchDelayMs: readCount(env, 'VITE_OTEL_BSP_SCHEDULE_DELAY', 500, 0),
    session: {
      inactivityTimeout: readCount(env, 'VITE_SESSION_INACTIVITY_TIMEOUT', 30 * 60),
      maxDuration: readCount(env, 'VITE_SESSION_MAX_DURATION', 4 * 60 * 60),
    },
    stack: readChoice(env, 'VITE_STACK', ['npm', 'compose'], 'npm'),
    traceHeaderUrls: [originPattern(serverUrl)],
    untracedUrls: [
      new RegExp(`^${escapeRegExp(new URL(PAGE_API_PATH, pageOrigin).href)}`),
      new RegExp(`^${escapeRegExp(otlpTracesUrl)}$`),
    ],
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A pattern that matches every URL on the origin of `url`, and nothing else. */
export function originPattern(url: string): RegExp {
  return new RegExp(`^${escapeRegExp(new URL(url).origin)}(/|$)`);
}

// `import.meta.env` is Vite's and `location` the browser's; outside them (unit tests) the defaults apply.
export const settings = readSettings(import.meta.env ?? {}, globalThis.location?.origin);
