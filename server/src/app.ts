import { setTimeout as sleep } from 'node:timers/promises';
import { propagation, SpanStatusCode, trace } from '@opentelemetry/api';
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
    if (!SCENARIOS.includes(scenario as Scenario)) {
      res.status(400).type('text/plain; charset=utf-8').send(`unknown scenario: use one of ${SCENARIOS.join(', ')}`);
      return;
    }
    const started = performance.now();
    await tracer.startActiveSpan('HelloHandler', { attributes: { 'app.scenario': scenario as Scenario } }, async (span) => {
      try {
        const name = propagation.getActiveBaggage()?.getEntry('name')?.value ?? '';
        span.setAttribute('app.baggage.name', name.slice(0, MAX_NAME_ATTRIBUTE_LENGTH));
        if (scenario === 'slow') await tracer.startActiveSpan('SlowWork', (work) => sleep(SLOW_WORK_MS).finally(() => work.end()));
        if (scenario === 'failing') throw new Error('simulated failure (scenario=failing)');
        res.append('Server-Timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
        res.type('text/plain; charset=utf-8').send(`hello:${name}`);
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        span.recordException(failure);
        span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
        res.append('Server-Timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
        res.status(500).type('text/plain; charset=utf-8').send(`error: ${failure.message}`);
      } finally {
        span.end();
      }
    });
  });

  app.get('/healthz', (_req, res) => {
    res.type('text/plain; charset=utf-8').send('ok');
  });

  app.use((_req, res) => {
    res.status(404).type('text/plain; charset=utf-8').send('not found: try GET /hello');
  });

  return app;
}
