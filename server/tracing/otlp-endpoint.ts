import { getStringFromEnv } from '@opentelemetry/core';

/** Where the OTLP exporter sends spans, as OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT says: messages name it. */
export const otlpEndpoint =
  getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ??
  getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT') ??
  'http://localhost:4318';
