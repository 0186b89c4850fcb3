import { propagation, trace } from '@opentelemetry/api';
import cors from 'cors';
import express from 'express';

/** Longest name recorded on the span; the answer itself echoes the whole (already size-capped) baggage value. */
const MAX_NAME_ATTRIBUTE_LENGTH = 128;

const tracer = trace.getTracer('hello-server');

export function createApp(allowedOrigins: readonly string[]): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.use((req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
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
      maxAge: 600,
    }),
  );

  app.get('/hello', (_req, res) => {
    tracer.startActiveSpan('HelloHandler', (span) => {
      try {
        const name = propagation.getActiveBaggage()?.getEntry('name')?.value ?? '';
        span.setAttribute('app.baggage.name', name.slice(0, MAX_NAME_ATTRIBUTE_LENGTH));
        res.type('text/plain; charset=utf-8').send(`hello:${name}`);
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
