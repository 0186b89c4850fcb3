import { setTimeout as sleep } from 'node:timers/promises';
import { propagation, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import cors from 'cors';
import express from 'express';

/** Longest name recorded on the span; the answer itself echoes the whole (already size-capped) baggage value. */
const MAX_NAME_ATTRIBUTE_LENGTH = 128;
/** What a learner can ask the server to do, as `GET /hello?scenario=…`. */
export const SCENARIOS = ['normal', 'slow', 'failing'] as const;
export type Scenario = (typeof SCENARIOS)[number];
const SLOW_WORK_MS = 300;

const tracer = trace.getTracer('hello-server');

export function createApp(allowedOrigins: readonly string[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Every answer is made for its request (the baggage names the caller): never cached, so no ETag.
  app.disable('etag');

  app.use((req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
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
      (span) => hello(span, scenario).finally(() => span.end()),
    );
    res.append('Server-Timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
    sendText(res, status, body);
  });

  app.get('/healthz', (_req, res) => sendText(res, 200, 'ok'));
  app.use((_req, res) => sendText(res, 404, 'not found: try GET /hello'));
  return app;
}

/** HelloHandler's work: greet the caller the baggage names; the scenario decides the rest. */
async function hello(span: Span, scenario: Scenario): Promise<[status: number, body: string]> {
  const name = propagation.getActiveBaggage()?.getEntry('name')?.value ?? '';
  span.setAttribute('app.baggage.name', name.slice(0, MAX_NAME_ATTRIBUTE_LENGTH));
  try {
    if (scenario === 'slow')
      await tracer.startActiveSpan('SlowWork', (work) => sleep(SLOW_WORK_MS).finally(() => work.end()));
    if (scenario === 'failing') throw new Error('simulated failure (scenario=failing)');
    return [200, `hello:${name}`];
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    span.recordException(failure);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    return [500, `error: ${failure.message}`];
  }
}

function isScenario(value: unknown): value is Scenario {
  return SCENARIOS.includes(value as Scenario);
}

/** Every answer is plain text, which the X-Content-Type-Options header forbids sniffing as anything else. */
function sendText(res: express.Response, status: number, body: string): void {
  res.status(status).type('text/plain; charset=utf-8').send(body);
}
