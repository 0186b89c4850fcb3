import assert from 'node:assert/strict';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import { documentWithTraceparent, isDocumentRequest } from './document.ts';

const HTML = '<!doctype html>\n<html>\n  <head>\n    <title>page</title>\n  </head>\n  <body></body>\n</html>\n';
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function requestFor(method: string, url: string): IncomingMessage {
  return Object.assign(new IncomingMessage(new Socket()), { method, url });
}

test('the traceparent goes in a meta tag before </head>, and nothing else changes', () => {
  const html = documentWithTraceparent(HTML, 'index.html')(TRACEPARENT);
  const tag = `  <meta name="traceparent" content="${TRACEPARENT}" />\n  `;
  assert.equal(html, HTML.replace('</head>', `${tag}</head>`));
});

test('anything but a well-formed traceparent leaves the document as built', () => {
  const render = documentWithTraceparent(HTML, 'index.html');
  for (const value of [undefined, '', `${TRACEPARENT}"><script>alert(1)</script>`, TRACEPARENT.toUpperCase()]) {
    assert.equal(render(value), HTML, String(value));
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
