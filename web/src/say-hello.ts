import { context, propagation, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { Stack } from './read-settings.ts';

const tracer = trace.getTracer('hello-web');

export const SCENARIOS = ['normal', 'slow', 'failing', 'downstream'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Greeting {
  traceId: string;
  /** False when the session is not sampled: nothing of the trace is recorded, by the page or the servers. */
  sampled: boolean;
  scenario: Scenario;
  /** From the click to the answer, as the page saw it. */
  durationMs: number;
  answer?: string;
  error?: string;
  /** The SERVER span that answered, from the `traceresponse` header. */
  serverSpanId?: string;
  /** The handler's own time, from the `Server-Timing` header. */
  serverTimeMs?: number;
}

/**
 * The client of GoFrame's HTTP tracing example: a `StartRequests` span with baggage `name`, and one
 * call to `GET /hello` made inside that context, so the instrumented fetch sends `traceparent` and
 * `baggage` with it. The scenario goes as a query parameter, never as baggage: baggage is for
 * context, and it is untrusted.
 */
export async function sayHello(
  name: string,
  serverUrl: string,
  scenario: Scenario = 'normal',
  stack: Stack = 'npm',
): Promise<Greeting> {
  const started = performance.now();
  const span = tracer.startSpan('StartRequests', { attributes: { 'app.scenario': scenario } });
  const baggage = propagation.createBaggage({ name: { value: name } });
  const requestContext = propagation.setBaggage(trace.setSpan(context.active(), span), baggage);
  const { traceId, traceFlags } = span.spanContext();
  const url = `${serverUrl}/hello${scenario === 'normal' ? '' : `?scenario=${scenario}`}`;
  const sampled = (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
  const greeting: Greeting = { traceId, sampled, scenario, durationMs: 0 };
  try {
    // The browser's default context manager (StackContextManager) keeps a context active only
    // while the function given to context.with runs, not across an `await`: fetch must be called
    // in there, so that the instrumentation sees the span and the baggage.
    const response = await context.with(requestContext, () => fetch(url));
    greeting.serverSpanId = serverSpanOf(response.headers.get('traceresponse'), traceId);
    greeting.serverTimeMs = serverTimeOf(response.headers.get('server-timing'));
    const body = await response.text();
    if (!response.ok) {
      throw new Error(`The server at ${url} answered ${response.status} ${response.statusText}: ${body.slice(0, 200)}`);
    }
    greeting.answer = body;
  } catch (error) {
    const message = describeFailure(error, url, stack);
    span.recordException(error instanceof Error ? error : message);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    greeting.error = message;
  } finally {
    span.end();
    greeting.durationMs = performance.now() - started;
  }
  return greeting;
}

/** The span id in a `traceresponse` header, when the header is well formed and names our trace. */
export function serverSpanOf(header: string | null, traceId: string): string | undefined {
  const match = header?.trim().match(/^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/);
  return match && match[1] === traceId && !/^0+$/.test(match[2]) ? match[2] : undefined;
}

/** The `app` entry's duration in a `Server-Timing` header, in milliseconds. */
export function serverTimeOf(header: string | null): number | undefined {
  const match = header?.match(/(?:^|,)\s*app;dur=(\d{1,7}(?:\.\d{1,3})?)\s*(?:,|;|$)/);
  return match ? Number(match[1]) : undefined;
}

const SERVER_CHECKS: Record<Stack, string> = {
  npm: 'the [server] lines that npm start prints',
  compose: 'docker compose ps and docker compose logs server',
};

function describeFailure(error: unknown, url: string, stack: Stack): string {
  if (error instanceof TypeError) {
    // What fetch throws when there is no answer at all: server down, or its CORS refused this page.
    return (
      `Could not reach the server at ${url} (${error.message}). Is it running (see ${SERVER_CHECKS[stack]}), ` +
      `and does its CORS allow this page's origin, ${globalThis.location?.origin ?? 'this page'}?`
    );
  }
  return error instanceof Error ? error.message : String(error);
}
