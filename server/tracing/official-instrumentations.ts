import { ServerResponse, type IncomingMessage } from 'node:http';
import { register } from 'node:module';
import { getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { nameRoute } from './http-names.ts';
import type { ServerSpanHooks } from './server-span.ts';

/** The official instrumentations that can make the SERVER span instead of server-span.ts. */
const OFFICIAL = ['http', 'express'];

/**
 * The official instrumentations named in OTEL_NODE_ENABLED_INSTRUMENTATIONS: `http,express` gives
 * the SERVER span plus a span per Express middleware and request handler (README, Spans you should
 * see). Any other name stops the process with one line that names it.
 */
export async function officialInstrumentations({ isUntraced, onStart }: ServerSpanHooks): Promise<Instrumentation[]> {
  const names = getStringListFromEnv('OTEL_NODE_ENABLED_INSTRUMENTATIONS') ?? [];
  const unknown = names.filter((name) => !OFFICIAL.includes(name));
  if (unknown.length > 0) {
    console.error(
      `${getStringFromEnv('OTEL_SERVICE_NAME') ?? 'The app'} cannot start: ` +
        `OTEL_NODE_ENABLED_INSTRUMENTATIONS may list ${OFFICIAL.join(' and ')}, got "${unknown.join(', ')}"`,
    );
    process.exit(1);
  }
  const instrumentations: Instrumentation[] = [];
  if (names.includes('http')) {
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    instrumentations.push(
      new HttpInstrumentation({
        ignoreIncomingRequestHook: isUntraced,
        // Runs as the SERVER span starts, before the app.
        responseHook: (span, response) => {
          if (response instanceof ServerResponse) onStart(span, response);
        },
        // The Express instrumentation names the route; without it, Express's req.route does.
        applyCustomAttributesOnSpan: names.includes('express')
          ? undefined
          : (span, request) => nameRoute(span, request as IncomingMessage),
      }),
    );
  }
  if (names.includes('express')) {
    // The app is an ES module: this loader hook lets the instrumentation patch the express it imports.
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
    const { ExpressInstrumentation } = await import('@opentelemetry/instrumentation-express');
    instrumentations.push(new ExpressInstrumentation());
  }
  return instrumentations;
}
