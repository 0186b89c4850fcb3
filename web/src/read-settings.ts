import { readChoice, readCount, readQueryParamNames, readRatio, readUrl, type Env } from '@hello-trace/env';
import { PAGE_API_PATH } from '@hello-trace/page-api';
import { defaultTracesUrl, TRACING_DEFAULTS, type TracingOptions } from '../tracing/options.ts';

/** How the stack was started, and so where to look when the server does not answer. */
export type Stack = 'npm' | 'compose';

export interface Settings {
  /** The hello server, which the page calls. */
  serverUrl: string;
  /** Where the page links to traces. */
  jaegerUiUrl: string;
  stack: Stack;
  /** What the page's tracing takes, but for the app's document-load hook. */
  tracing: Required<Omit<TracingOptions, 'onDocumentLoad'>>;
}

/**
 * The page's settings from its VITE_* variables (see vite-env.d.ts) and the origin it is served
 * from; throws an error naming the variable when one is missing or malformed.
 */
export function readSettings(env: Env, pageOrigin: string): Settings {
  const serverUrl = readUrl(env, 'VITE_SERVER_URL', notSet('VITE_SERVER_URL', 'SERVER_PORT'));
  return {
    serverUrl,
    jaegerUiUrl: readUrl(env, 'VITE_JAEGER_UI_URL', notSet('VITE_JAEGER_UI_URL', 'JAEGER_UI_PORT')),
    stack: readChoice(env, 'VITE_STACK', ['npm', 'compose'], 'npm'),
    tracing: {
      serviceName: readName(env, 'VITE_OTEL_SERVICE_NAME'),
      tracesUrl: readUrl(env, 'VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', () => defaultTracesUrl(pageOrigin)),
      // Trace headers go to the server only, never to other origins.
      traceHeaderOrigins: [new URL(serverUrl).origin],
      // The page's own API on its page server (the trace view's polls) would otherwise make traces of its own.
      ignoreUrls: [new RegExp(`^${escapeRegExp(new URL(PAGE_API_PATH, pageOrigin).href)}`)],
      batchDelayMs: readCount(env, 'VITE_OTEL_BSP_SCHEDULE_DELAY', TRACING_DEFAULTS.batchDelayMs, 0),
      session: {
        inactivityTimeout: readCount(
          env,
          'VITE_SESSION_INACTIVITY_TIMEOUT',
          TRACING_DEFAULTS.session.inactivityTimeout,
        ),
        maxDuration: readCount(env, 'VITE_SESSION_MAX_DURATION', TRACING_DEFAULTS.session.maxDuration),
      },
      redactQueryParams: readQueryParamNames(env, 'VITE_REDACT_QUERY_PARAMS'),
      // .env holds it, for the page server too, which decides each new visitor's first page load.
      sessionSampleRatio: readRatio(env, 'VITE_SESSION_SAMPLE_RATIO'),
    },
  };
}

/** The page's service name, which .env holds for the page and the collector alike. */
function readName(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: .env at the repository root holds it, which Vite reads`);
  return value;
}

/** For an address with no safe default: vite.config.ts sets it from a port in .env. */
function notSet(name: string, port: string): () => never {
  return () => {
    throw new Error(`${name} is not set: web/vite.config.ts sets it from ${port} in .env at the repository root`);
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
