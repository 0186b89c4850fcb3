import { setTimeout as sleep } from 'node:timers/promises';
import { context, propagation, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import cors from 'cors';
import express from 'express';
import { callerName, MAX_NAME_LENGTH } from './caller-name.ts';
import { PLAIN_TEXT_HEADERS, sendText } from './plain-text.ts';

/** What a learner can ask the server to do, as `GET /hello?scenario=…`. */
export const SCENARIOS = ['normal', 'slow', 'failing', 'downstream'] as const;
export type Scenario = (typeof SCENARIOS)[number];
const SLOW_WORK_MS = 300;
/** How long HelloHandler waits for the greeter's answer before it answers 502. */
export const GREETER_TIMEOUT_MS = 2_000;

const tracer = trace.getTracer('hello-server');

/** The greeter could not be reached, or did not answer in time or with a greeting: the server answers 502. */
class GreeterError extends Error {}

export function createApp(allowedOrigins: readonly string[], greeterUrl: string): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Every answer is made for its request (the baggage names the caller): never cached, so no ETag.
  app.disable('etag');

  app.use((req, res, next) => {
    res.set(PLAIN_TEXT_HEADERS);
    const origin = req.get('origin');
    // Lets the page's fetch span keep its network timings (DNS, connect, time to first byte).
    if (origin && allowedOrigins.includes(origin)) res.set('Timing-Allow-Origin', origin);
    next();
  });
  app.use(
    cors({
      origin: [...allowedOrigins],
      methods: ['GET'],
      allowedHeaders: ['traceparent', 'tracestate', 'baggage'],
      // Set by the tracing preload: they tell the page which server span answered it.
      exposedHeaders: ['traceresponse', 'Server-Timing'],
      maxAge: 600,
    }),
  );

  app.get('/hello', async (req, res) => {
    const scenario = req.query.scenario ?? 'normal';
    if (!isScenario(scenario)) {
      sendText(res, 400, `unknown scenario: use one of ${SCENARIOS.join(', ')}`);
      return;
    }
    const started = performance.now();
    const [status, body] = await tracer.startActiveSpan(
      'HelloHandler',
      { attributes: { 'app.scenario': scenario } },
      (span) => hello(span, scenario, greeterUrl).finally(() => span.end()),
    );
    res.append('Server-Timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
    sendText(res, status, body);
  });

  app.get('/healthz', (_req, res) => sendText(res, 200, 'ok'));
  app.use((_req, res) => sendText(res, 404, 'not found: try GET /hello'));
  return app;
}

/** HelloHandler's work: greet the caller the baggage names; the scenario decides the rest. */
async function hello(span: Span, scenario: Scenario, greeterUrl: string): Promise<[status: number, body: string]> {
  const name = callerName();
  span.setAttribute('app.baggage.name', name.slice(0, MAX_NAME_LENGTH));
  try {
    if (scenario === 'slow')
      await tracer.startActiveSpan('SlowWork', (work) => sleep(SLOW_WORK_MS).finally(() => work.end()));
    if (scenario === 'failing') throw new Error('simulated failure (scenario=failing)');
    if (scenario === 'downstream') return [200, await askGreeter(greeterUrl, name)];
    return [200, `hello:${name}`];
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    span.recordException(failure);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    return [failure instanceof GreeterError ? 502 : 500, `error: ${failure.message}`];
  }
}

/**
 * Asks the greeter for the greeting, over fetch (a CLIENT span of its own). The caller's baggage is
 * untrusted and the instrumentation would pass all of it on: the greeter gets a new baggage instead,
 * with the capped name alone.
 */
async function askGreeter(greeterUrl: string, name: string): Promise<string> {
  const url = `${greeterUrl}/greeting`;
  const baggage = propagation.createBaggage({ name: { value: name.slice(0, MAX_NAME_LENGTH) } });
  try {
    const response = await context.with(propagation.setBaggage(context.active(), baggage), () =>
      fetch(url, { signal: AbortSignal.timeout(GREETER_TIMEOUT_MS) }),
    );
    const body = await response.text();
    if (!response.ok)
      throw new GreeterError(`the greeter at ${url} answered ${response.status}: ${body.slice(0, 200)}`);
    return body;
  } catch (error) {
    if (error instanceof GreeterError) throw error;
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${GREETER_TIMEOUT_MS} ms`
        : reasonOf(error instanceof Error && error.cause instanceof Error ? error.cause : error);
    throw new GreeterError(`the greeter at ${url} did not answer: ${reason}`, { cause: error });
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isScenario(value: unknown): value is Scenario {
  return SCENARIOS.includes(value as Scenario);
}
