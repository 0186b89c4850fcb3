import { context, propagation, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('hello-web');

export interface Greeting {
  traceId: string;
  answer?: string;
  error?: string;
}

/**
 * The seed's client: a `StartRequests` span with baggage `name`, and one call to `GET /hello` made
 * inside that context, so the instrumented fetch sends `traceparent` and `baggage` with it.
 */
export async function sayHello(name: string, serverUrl: string): Promise<Greeting> {
  const span = tracer.startSpan('StartRequests');
  const baggage = propagation.createBaggage({ name: { value: name } });
  const requestContext = propagation.setBaggage(trace.setSpan(context.active(), span), baggage);
  const { traceId } = span.spanContext();
  const url = `${serverUrl}/hello`;
  try {
    const response = await context.with(requestContext, () => fetch(url));
    const body = await response.text();
    if (!response.ok) {
      throw new Error(`The server at ${url} answered ${response.status} ${response.statusText}: ${body.slice(0, 200)}`);
    }
    return { traceId, answer: body };
  } catch (error) {
    const message = describeFailure(error, url);
    span.recordException(error instanceof Error ? error : message);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    return { traceId, error: message };
  } finally {
    span.end();
  }
}

function describeFailure(error: unknown, url: string): string {
  if (error instanceof TypeError) {
    // What fetch throws when there is no answer at all: server down, or its CORS refused this page.
    return `Could not reach the server at ${url} (${error.message}). Is it running (npm start -w server), and does its CORS_ALLOWED_ORIGINS include ${globalThis.location?.origin ?? 'this page'}?`;
  }
  return error instanceof Error ? error.message : String(error);
}
