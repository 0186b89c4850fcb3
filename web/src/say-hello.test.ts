import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { sayHello, serverSpanOf, serverTimeOf } from './say-hello.ts';

const exporter = new InMemorySpanExporter();
new WebTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();

let server: Server;
let serverUrl: string;

before(async () => {
  server = createServer((request, response) => {
    if (request.url === '/hello') response.end('hello:from-test');
    else response.writeHead(500, { 'Content-Type': 'text/plain' }).end('boom');
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => exporter.reset());

/** Calls sayHello while recording the span and baggage that are active when fetch is called. */
async function sayHelloObservingFetch(name: string, url: string) {
  const realFetch = globalThis.fetch;
  const seen: { traceId?: string; baggageName?: string } = {};
  globalThis.fetch = (input, init) => {
    seen.traceId = trace.getActiveSpan()?.spanContext().traceId;
    seen.baggageName = propagation.getActiveBaggage()?.getEntry('name')?.value;
    return realFetch(input, init);
  };
  try {
    return { greeting: await sayHello(name, url), seen };
  } finally {
    globalThis.fetch = realFetch;
  }
}

test('calls the server inside the StartRequests span with the name as baggage', async () => {
  const { greeting, seen } = await sayHelloObservingFetch('GoFrame', serverUrl);
  assert.equal(greeting.answer, 'hello:from-test');
  assert.equal(greeting.error, undefined);

  const [span] = exporter.getFinishedSpans();
  assert.equal(span.name, 'StartRequests');
  assert.equal(span.status.code, SpanStatusCode.UNSET);
  assert.equal(greeting.traceId, span.spanContext().traceId);
  assert.equal(greeting.sampled, true);
  assert.deepEqual(seen, { traceId: greeting.traceId, baggageName: 'GoFrame' });
});

test('an error answer ends the span with status ERROR and the exception', async () => {
  const greeting = await sayHello('GoFrame', `${serverUrl}/broken`);
  assert.equal(greeting.answer, undefined);
  assert.match(greeting.error ?? '', /answered 500 Internal Server Error: boom/);

  const [span] = exporter.getFinishedSpans();
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  assert.equal(span.status.message, greeting.error);
  assert.equal(span.events[0]?.name, 'exception');
});

test('no answer at all says which server could not be reached', async () => {
  const closed = createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  closed.close();

  const greeting = await sayHello('GoFrame', deadUrl);
  assert.match(
    greeting.error ?? '',
    new RegExp(`Could not reach the server at ${deadUrl}/hello .*see the \\[server\\] lines that npm start prints`),
  );
  const inCompose = await sayHello('GoFrame', deadUrl, 'normal', 'compose');
  assert.match(inCompose.error ?? '', /see docker compose ps and docker compose logs server/);
  assert.equal(exporter.getFinishedSpans()[0]?.status.code, SpanStatusCode.ERROR);
});

test('serverSpanOf takes the span id of a well-formed traceresponse for our trace only', () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  assert.equal(serverSpanOf(`00-${traceId}-b7ad6b7169203331-01`, traceId), 'b7ad6b7169203331');
  for (const header of [
    null,
    '',
    `00-${'1'.repeat(32)}-b7ad6b7169203331-01`,
    `00-${traceId}-0000000000000000-01`,
    `00-${traceId}-B7AD6B7169203331-01`,
    `00-${traceId}-b7ad6b7169203331-01<script>`,
    `00-${traceId}-b7ad6b716920333-01`,
  ]) {
    assert.equal(serverSpanOf(header, traceId), undefined, String(header));
  }
});

test('serverTimeOf reads the app entry of Server-Timing', () => {
  assert.equal(serverTimeOf('traceparent;desc="00-x-y-01", app;dur=12.3'), 12.3);
  assert.equal(serverTimeOf('app;dur=308'), 308);
  for (const header of [null, '', 'db;dur=5', 'app;dur=abc', 'myapp;dur=5', 'app;dur=1e9']) {
    assert.equal(serverTimeOf(header), undefined, String(header));
  }
});
