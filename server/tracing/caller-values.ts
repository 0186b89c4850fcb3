import type { Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/**
 * Characters kept of a value the caller chooses. OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT (8 KiB here)
 * still applies to every other value, such as a stack trace.
 */
export const CALLER_VALUE_LIMIT = 1024;

/** `value`, cut to CALLER_VALUE_LIMIT characters. */
export const capCallerValue = (value: string): string =>
  value.length > CALLER_VALUE_LIMIT ? value.slice(0, CALLER_VALUE_LIMIT) : value;

/**
 * Cuts each string the instrumentation recorded from the request as the span started to
 * CALLER_VALUE_LIMIT characters: on a SERVER span `url.path`, `url.query`, `user_agent.original`,
 * `server.address` (from `Host`, `Forwarded` or `X-Forwarded-Host`), `client.address` (from
 * `Forwarded` or `X-Forwarded-For`) and `http.request.method_original`; on a CLIENT span also
 * `url.full`. So a caller who continues a trace of its choosing adds at most a few KiB a request to
 * it. The `requestHook` of instrumentation-http and instrumentation-undici, which run it as the span
 * starts, before the app sets attributes of its own.
 */
export function capCallerValues(span: Span): void {
  // The SDK's span is readable; a span that records nothing has no attributes.
  const { attributes } = span as Partial<ReadableSpan>;
  if (!attributes) return;
  for (const key in attributes) {
    const value = attributes[key];
    if (typeof value === 'string' && value.length > CALLER_VALUE_LIMIT) span.setAttribute(key, capCallerValue(value));
  }
}
