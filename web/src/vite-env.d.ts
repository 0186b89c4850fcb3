/// <reference types="vite/client" />

/** The page's settings, read when it is built (src/read-settings.ts reads them; .env.local may set them). */
interface ImportMetaEnv {
  /** The hello server that the page calls. Required: vite.config.ts sets http://localhost:$SERVER_PORT from .env. */
  readonly VITE_SERVER_URL?: string;
  /** Jaeger's UI, where the page links to traces. Required: vite.config.ts sets http://localhost:$JAEGER_UI_PORT from .env. */
  readonly VITE_JAEGER_UI_URL?: string;
  /** How the stack runs, npm or compose, for the hints when the server does not answer. Default: npm. */
  readonly VITE_STACK?: 'npm' | 'compose';
  /** The page's service.name. Required: .env holds it (hello-web), for the collector too. */
  readonly VITE_OTEL_SERVICE_NAME?: string;
  /** Where the page sends its spans. Default: /v1/traces on the page's own origin, which the page server relays. */
  readonly VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  /** Milliseconds between the page's span exports. Default: 500. */
  readonly VITE_OTEL_BSP_SCHEDULE_DELAY?: string;
  /** Seconds without a span after which a session ends. Default: 1800 (30 minutes). */
  readonly VITE_SESSION_INACTIVITY_TIMEOUT?: string;
  /** Seconds after which a session ends, however active. Default: 14400 (4 hours). */
  readonly VITE_SESSION_MAX_DURATION?: string;
  /** Query parameters, comma-separated, whose values become REDACTED in the page's spans, besides the default list (web/tracing/scrub-urls.ts). Default: none. */
  readonly VITE_REDACT_QUERY_PARAMS?: string;
  /** The share of sessions whose traces are kept, from 0 to 1. Required: .env holds it (1), for the page server too. */
  readonly VITE_SESSION_SAMPLE_RATIO?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
