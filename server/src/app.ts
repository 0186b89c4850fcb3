import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { context, propagation, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import cors from 'cors';
import express from 'express';
import type { Refusal } from '@hello-trace/edge/rate';
import { callerName, MAX_NAME_LENGTH } from './caller-name.ts';
import { PLAIN_TEXT_HEADERS, sendText } from './plain-text.ts';

/** What a learner can ask the server to do, as `GET /hello?scenario=…`. */
export const SCENARIOS = ['normal', 'slow', 'failing', 'downstream'] as const;
export type Scenario = (typeof SCENARIOS)[number];
const SLOW_WORK_MS = 300;
/** How long HelloHandler waits for the greeter's answer before it answers 502. */
export const GREETER_TIMEOUT_MS = 2_000;

const tracer = trace.getTracer('hello-server');

/**
 * The greeter could not be reached, or did not answer in time or with a greeting: the server answers
 * 502 with `answer`, which names no address; the message, for the span and the log, names the greeter's.
 */
class GreeterError extends Error {
  readonly answer: string;
  constructor(answer: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.answer = answer;
  }
}

export interface AppOptions {
  /** The page's origins, which CORS lets call the server. */
  allowedOrigins: readonly string[];
  /** Where the `downstream` scenario reaches the greeter. */
  greeterUrl: string;
  /** Each client's rate on GET /hello (@hello-trace/edge). */
  helloRate: { check(request: IncomingMessage): Promise<Refusal | undefined> };
  /** Counts a failure to answer, naming what failed and where, for the log. */
  report: (kind: string, request: IncomingMessage) => void;
}

export function createApp({ allowedOrigins, greeterUrl, helloRate, report }: AppOptions): express.Express {
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
    // The app's choice, as any public API makes one (HELLO_RATE, docs/settings.md): each client may
    // call it so often, and all of them together so often; past that, 429 or 503 with Retry-After.
    const tooSoon = await helloRate.check(req);
    if (tooSoon) {
      res.set('Retry-After', String(tooSoon.retryAfterSeconds));
      sendText(res, tooSoon.status, tooSoon.text);
      return;
    }
    const scenario = req.query.scenario ?? 'normal';
    if (!isScenario(scenario)) {
      sendText(res, 400, `unknown scenario: use one of ${SCENARIOS.join(', ')}`);
      return;
    }
    const started = performance.now();
    const [status, body, failure] = await tracer.startActiveSpan(
      'HelloHandler',
      { attributes: { 'app.scenario': scenario } },
      (span) => hello(span, scenario, greeterUrl).finally(() => span.end()),
    );
    if (failure) report(`${status} GET /hello: ${failure}`, req);
    res.append('Server-Timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
    sendText(res, status, body);
  });

  app.get('/healthz', (_req, res) => sendText(res, 200, 'ok'));
  app.use((_req, res) => sendText(res, 404, 'not found: try GET /hello'));
  return app;
}

/**
 * HelloHandler's work: greet the caller the baggage names; the scenario decides the rest. A greeter
 * that fails is a failure of the server's too, which it names for the log.
 */
async function hello(
  span: Span,
  scenario: Scenario,
  greeterUrl: string,
): Promise<[status: number, body: string, failure?: string]> {
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
    if (failure instanceof GreeterError) return [502, `error: ${failure.answer}`, failure.message];
    return [500, `error: ${failure.message}`];
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
    if (!response.ok) {
      throw new GreeterError(
        `the greeter answered ${response.status}`,
        `the greeter at ${url} answered ${response.status}: ${body.slice(0, 200)}`,
      );
    }
    return body;
  } catch (error) {
    if (error instanceof GreeterError) throw error;
    if (error instanceof Error && error.name === 'TimeoutError') {
      const reason = `no answer within ${GREETER_TIMEOUT_MS} ms`;
      throw new GreeterError(
        `the greeter did not answer: ${reason}`,
        `the greeter at ${url} did not answer: ${reason}`,
        { cause: error },
      );
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    // The system error's code (ECONNREFUSED): its message names the greeter's address.
    const code = (cause as NodeJS.ErrnoException).code ?? 'the connection failed';
    throw new GreeterError(
      `the greeter did not answer: ${code}`,
      `the greeter at ${url} did not answer: ${reasonOf(cause)}`,
      { cause: error },
    );
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isScenario(value: unknown): value is Scenario {
  return SCENARIOS.includes(value as Scenario);
}
