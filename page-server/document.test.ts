import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { INVALID_SPAN_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { documentWithTraceparent, isDocumentRequest } from './document.ts';

const HTML = '<!doctype html>\n<html>\n  <head>\n    <title>page</title>\n  </head>\n  <body></body>\n</html>\n';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

function requestFor(method: string, url: string): IncomingMessage {
  return Object.assign(new IncomingMessage(new Socket()), { method, url });
}

test("the span's traceparent goes in a meta tag before </head>, and nothing else changes", () => {
  const render = documentWithTraceparent(HTML, 'index.html');
  for (const [traceFlags, flags] of [
    [TraceFlags.SAMPLED, '01'],
    [TraceFlags.NONE, '00'],
  ] as const) {
    const html = render({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags });
    const tag = `  <meta name="traceparent" content="00-${TRACE_ID}-${SPAN_ID}-${flags}" />\n  `;
    assert.equal(html, HTML.replace('</head>', `${tag}</head>`));
  }
});

test('no span, or an invalid one, leaves the document as built', () => {
  const render = documentWithTraceparent(HTML, 'index.html');
  for (const span of [
    undefined,
    INVALID_SPAN_CONTEXT,
    { traceId: `${TRACE_ID.slice(1)}"`, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED },
    { traceId: TRACE_ID, spanId: '"><script>', traceFlags: TraceFlags.SAMPLED },
  ]) {
    assert.equal(render(span), HTML, JSON.stringify(span));
  }
});

test('a document without </head> is refused with its name', () => {
  assert.throws(
    () => documentWithTraceparent('<title>x</title>', '/page/index.html'),
    /\/page\/index\.html has no <\/head>/,
  );
});

test('the document is GET or HEAD of / or /index.html, however written', () => {
  for (const url of ['/', '/index.html', '/?x=1', '/%69ndex.html', '/assets/../index.html', '/./']) {
    assert.ok(isDocumentRequest(requestFor('GET', url)), url);
    assert.ok(isDocumentRequest(requestFor('HEAD', url)), url);
  }
  for (const [method, url] of [
    ['POST', '/'],
    ['GET', '/favicon.svg'],
    ['GET', '/api/traces/x'],
    ['GET', '/healthz'],
    ['GET', '//'],
    ['GET', '/index.html/'],
    ['GET', '/%E0%A4%A'],
  ]) {
    assert.ok(!isDocumentRequest(requestFor(method, url)), `${method} ${url}`);
  }
});
