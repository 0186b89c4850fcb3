/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_OTEL_SERVICE_NAME?: string;
  readonly VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  readonly VITE_SERVER_URL?: string;
  readonly VITE_JAEGER_UI_URL?: string;
  readonly VITE_OTEL_BSP_SCHEDULE_DELAY?: string;
  readonly VITE_SESSION_INACTIVITY_TIMEOUT?: string;
  readonly VITE_SESSION_MAX_DURATION?: string;
  readonly VITE_STACK?: 'npm' | 'compose';
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
