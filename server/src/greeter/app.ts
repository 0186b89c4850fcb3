import { trace } from '@opentelemetry/api';
import express from 'express';
import { callerName, MAX_NAME_LENGTH } from '../caller-name.ts';
import { PLAIN_TEXT_HEADERS, sendText } from '../plain-text.ts';

const tracer = trace.getTracer('hello-greeter');

/** `GET /greeting` greets the caller that the baggage names, inside a GreetHandler span. */
export function createGreeterApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((_req, res, next) => {
    res.set(PLAIN_TEXT_HEADERS);
    next();
  });

  app.get('/greeting', (_req, res) => {
    const greeting = tracer.startActiveSpan('GreetHandler', (span) => {
      const name = callerName();
      span.setAttribute('app.baggage.name', name.slice(0, MAX_NAME_LENGTH));
      span.end();
      return `hello:${name}`;
    });
    sendText(res, 200, greeting);
  });

  app.get('/healthz', (_req, res) => sendText(res, 200, 'ok'));
  app.use((_req, res) => sendText(res, 404, 'not found: try GET /greeting'));
  return app;
}
