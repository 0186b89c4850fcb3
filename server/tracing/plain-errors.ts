import { setGlobalErrorHandler } from '@opentelemetry/core';
import { otlpEndpoint } from './otlp-endpoint.ts';

/** Prints the SDK's errors, such as a failed export, in one plain line; otherwise they print nothing (or, with OTEL_LOG_LEVEL set, a JSON blob). */
export function logErrorsPlainly(): void {
  setGlobalErrorHandler((error) => {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`OpenTelemetry: ${reason}. Spans go to ${otlpEndpoint}. Requests are still served.`);
  });
}
