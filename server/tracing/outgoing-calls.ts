// Outgoing calls, each a CLIENT span that carries the trace context and the active baggage to the
// service called: node:http and node:https requests, and fetch (undici's diagnostics channels).
// The exporters' own requests stay untraced: the SDK suppresses tracing around every export.
import { getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

const OUTGOING = ['http', 'undici'];

/**
 * The instrumentations of outgoing calls, less those OTEL_NODE_DISABLED_INSTRUMENTATIONS names.
 * When the `official` instrumentations already hold an HttpInstrumentation, it traces outgoing
 * http itself, and a second one would replace its patch.
 */
export function outgoingCalls(official: Instrumentation[]): Instrumentation[] {
  const fullHttp = official.some((instrumentation) => instrumentation instanceof HttpInstrumentation);
  const disabled = getStringListFromEnv('OTEL_NODE_DISABLED_INSTRUMENTATIONS') ?? [];
  const unknown = disabled.filter((name) => !OUTGOING.includes(name));
  if (unknown.length > 0) {
    console.error(
      `${getStringFromEnv('OTEL_SERVICE_NAME') ?? 'The server'} cannot start: OTEL_NODE_DISABLED_INSTRUMENTATIONS may list ${OUTGOING.join(' and ')}, got "${unknown.join(', ')}"`,
    );
    process.exit(1);
  }
  const instrumentations: Instrumentation[] = [];
  if (!fullHttp && !disabled.includes('http')) {
    // Leaves http.Server alone: the SERVER span comes from instrumentation.ts.
    instrumentations.push(new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }));
  }
  if (!disabled.includes('undici')) instrumentations.push(new UndiciInstrumentation());
  return instrumentations;
}
