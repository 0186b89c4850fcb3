// The page server in this process, on a free port, serving a temporary page folder; requests go out
// with node:http and a raw path, so the server receives `..`, `%2e` and `%00` exactly as written.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { sendRaw } from '@hello-trace/harness/testing/raw-request';
import { readPageServerConfig } from './config.ts';
import { createPageServer } from './page-server.ts';

const PORTS = { PAGE_PORT: '0', JAEGER_UI_PORT: '16686', COLLECTOR_BROWSER_PORT: '4319' };
const SECRET = 'secret-outside-the-page-folder';
const DOTFILE_SECRET = 'secret-in-a-dotfile';
const INDEX = '<!doctype html>\n<html>\n  <head>\n    <title>page</title>\n  </head>\n</html>\n';
const ASSET = 'console.log("asset");';

let folder: string;
let server: Server;
let port: number;

before(async () => {
  // <folder>/page is served; <folder>/page-secret sits beside it, one `..` away.
  folder = await mkdtemp(join(tmpdir(), 'hello-trace-page-server-'));
  const page = join(folder, 'page');
  await mkdir(join(page, 'assets'), { recursive: true });
  await writeFile(join(page, 'index.html'), INDEX);
  await writeFile(join(page, 'assets', 'index-Bx7aQ1.js'), ASSET);
  await writeFile(join(page, 'assets', 'index-C3dE9f.css'), 'body { margin: 0 }');
  await writeFile(join(page, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await writeFile(join(page, '.env'), DOTFILE_SECRET);
  await writeFile(join(folder, 'page-secret'), SECRET);

  server = createPageServer(readPageServerConfig({ ...PORTS, PAGE_DIR: page }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const send = (method: string, path: string, headers: Record<string, string> = {}) =>
  sendRaw(port, method, path, headers);

test('serves the page with its content types, nosniff, and the cache policy for each kind of file', async () => {
  const expected: [string, string, string][] = [
    ['/', 'text/html; charset=utf-8', 'no-store'],
    ['/index.html', 'text/html; charset=utf-8', 'no-store'],
    ['/favicon.svg', 'image/svg+xml', 'no-cache'],
    ['/assets/index-Bx7aQ1.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/assets/index-C3dE9f.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
  ];
  for (const [path, contentType, cacheControl] of expected) {
    const answer = await send('GET', path);
    assert.equal(answer.status, 200, path);
    assert.equal(answer.headers['content-type'], contentType, path);
    assert.equal(answer.headers['cache-control'], cacheControl, path);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff', path);
  }
  // Without the tracing preload, the document goes out as built.
  assert.equal((await send('GET', '/')).body, INDEX);
  assert.equal((await send('GET', '/assets/index-Bx7aQ1.js')).body, ASSET);
});

test('answers HEAD with the headers of GET and no body', async () => {
  for (const path of ['/assets/index-Bx7aQ1.js', '/']) {
    const [head, get] = [await send('HEAD', path), await send('GET', path)];
    assert.equal(head.status, 200, path);
    assert.equal(head.headers['content-type'], get.headers['content-type'], path);
    assert.equal(head.headers['content-length'], get.headers['content-length'], path);
    assert.equal(head.body, '', path);
  }
});

test('answers its health check in plain text', async () => {
  const answer = await send('GET', '/healthz');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(answer.body, 'ok');
});

test('serves index.html only as the document, however its path is written', async () => {
  for (const path of ['/?x=1', '/%69ndex.html', '/assets/../index.html']) {
    const answer = await send('GET', path);
    assert.equal(answer.headers['cache-control'], 'no-store', path);
    assert.equal(answer.body, INDEX, path);
  }
  for (const path of ['//', '/assets/', '/index.html/']) {
    const answer = await send('GET', path);
    assert.ok([400, 404].includes(answer.status), `${path}: ${answer.status}`);
    assert.doesNotMatch(answer.body, /<title>/, path);
  }
});

test('answers a missing file with a plain-text 404', async () => {
  for (const path of ['/missing.js', '/assets/missing-abc.js', '/assets', '/assets/']) {
    const answer = await send('GET', path);
    assert.equal(answer.status, 404, path);
    assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8', path);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(answer.body, 'not found', path);
  }
});

test('allows only GET and HEAD for files', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    for (const path of ['/', '/index.html', '/missing.js']) {
      const answer = await send(method, path);
      assert.equal(answer.status, 405, `${method} ${path}`);
      assert.equal(answer.headers.allow, 'GET, HEAD', `${method} ${path}`);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', `${method} ${path}`);
      assert.doesNotMatch(answer.body, /<!doctype/i, `${method} ${path}`);
    }
  }
});

test('hands trace requests to the Jaeger proxy before looking for a file', async () => {
  const answer = await send('GET', '/api/traces/not-a-trace-id');
  assert.equal(answer.status, 400);
  assert.equal(answer.headers['content-type'], 'application/json');
  assert.equal(answer.headers['x-content-type-options'], 'nosniff');
});

test('tells the page how long to wait for a trace: 30 s without tail sampling', async () => {
  const answer = await send('GET', '/api/trace-wait');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(answer.body), { seconds: 30 });
});

test('a missing page or a malformed setting is refused, naming the file or the variable', () => {
  assert.throws(() => createPageServer(readPageServerConfig({ ...PORTS, PAGE_DIR: join(folder, 'none') })), {
    message: `${join(folder, 'none', 'index.html')} is missing. Build the page first (npm run build --prefix web), or set PAGE_DIR`,
  });
  assert.throws(() => readPageServerConfig({ ...PORTS, PAGE_PORT: undefined }), /^Error: PAGE_PORT is not set/);
  const policy = {
    TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS: '2500',
    TAIL_SAMPLING_SLOW_MS: '1000',
    TAIL_SAMPLING_KEEP_PERCENT: '100',
  };
  assert.throws(() => readPageServerConfig({ ...PORTS, ...policy, TAIL_SAMPLING: 'true', TRACE_WAIT_SECONDS: '3' }), {
    message:
      'TRACE_WAIT_SECONDS (3) must be longer than 3 s: with TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS at 2500, the gateways hold a trace up to that long after its root span arrives before they store it',
  });
});

test('serves no dotfile', async () => {
  for (const path of ['/.env', '/%2eenv', '/assets/../.env']) {
    const answer = await send('GET', path);
    assert.equal(answer.status, 404, path);
    assert.doesNotMatch(answer.body, new RegExp(DOTFILE_SECRET), path);
  }
});

test('serves nothing outside the page folder: traversal, encoded dots and slashes, malformed encoding, NUL bytes', async () => {
  const paths = [
    '/../page-secret',
    '/%2e%2e/page-secret',
    '/%2E%2E/page-secret',
    '/.%2e/page-secret',
    '/%2e%2e%2fpage-secret',
    '/..%2fpage-secret',
    '/..%5cpage-secret',
    '/%252e%252e%252fpage-secret',
    '/assets/../../page-secret',
    '/assets/%2e%2e/%2e%2e/page-secret',
    '/../etc/passwd',
    '/%2e%2e/etc/passwd',
    '/assets/../../etc/passwd',
    '/../../../../../../etc/passwd',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/%E0%A4%A',
    '/x%00.js',
    '/index.html%00',
    '/index.html%00.js',
  ];
  for (const path of paths) {
    const answer = await send('GET', path);
    assert.ok([400, 404].includes(answer.status), `${path}: ${answer.status}`);
    assert.doesNotMatch(answer.body, new RegExp(`${SECRET}|root:`), path);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff', path);
  }
});

test('revalidates files and answers ranges', async () => {
  const { etag } = (await send('GET', '/favicon.svg')).headers;
  assert.equal((await send('GET', '/favicon.svg', { 'If-None-Match': String(etag) })).status, 304);
  const part = await send('GET', '/assets/index-Bx7aQ1.js', { Range: 'bytes=0-6' });
  assert.equal(part.status, 206);
  assert.equal(part.body, 'console');
  // Beyond the end: a plain-text 416 that keeps none of the file's headers, such as its year-long Cache-Control.
  const beyond = await send('GET', '/assets/index-Bx7aQ1.js', { Range: 'bytes=9999-' });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers['content-range'], `bytes */${ASSET.length}`);
  assert.equal(beyond.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(beyond.headers['cache-control'], undefined);
  assert.equal(beyond.headers['x-content-type-options'], 'nosniff');
});

test('survives malformed ranges', async () => {
  for (const range of ['bytes=5-2', 'bytes=0-18446744073709551615', 'bytes=-0', 'bytes=x-y', 'bytes=0-1,0-1,0-1']) {
    const answer = await send('GET', '/assets/index-Bx7aQ1.js', { Range: range });
    assert.ok(answer.status < 500, `${range}: ${answer.status}`);
  }
  assert.equal((await send('GET', '/')).status, 200, 'still serving');
  assert.ok(server.listening);
});

test('answers only to its own host names: any other Host, as DNS rebinding sends, gets 421, and it still serves', async () => {
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, 'LOCALHOST']) {
    assert.equal((await send('GET', '/', { Host: host })).status, 200, host);
  }
  for (const host of [`rebind.attacker.example:${port}`, '192.0.2.1', `[::1]:${port}`, 'localhost.']) {
    for (const path of ['/', '/api/traces/0af7651916cd43dd8448eb211c80319c', '/healthz']) {
      const answer = await send('GET', path, { Host: host });
      assert.equal(answer.status, 421, `${host} ${path}`);
      assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8');
      assert.doesNotMatch(answer.body, /<title>|traces/, `${host} ${path}`);
    }
  }
  assert.equal((await send('GET', '/')).status, 200, 'still serving');
});

test('PAGE_ALLOWED_HOSTS adds the names it is served under behind a proxy or in a deployment', async (t) => {
  const config = readPageServerConfig({
    ...PORTS,
    PAGE_DIR: join(folder, 'page'),
    PAGE_ALLOWED_HOSTS: 'hello.example',
  });
  assert.deepEqual(config.allowedHosts, ['hello.example']);
  const named = createPageServer(config);
  named.listen(0, '127.0.0.1');
  await once(named, 'listening');
  t.after(() => named.close());
  const namedPort = (named.address() as AddressInfo).port;
  assert.equal((await sendRaw(namedPort, 'GET', '/', { Host: 'hello.example' })).status, 200);
  assert.equal((await sendRaw(namedPort, 'GET', '/', { Host: 'other.example' })).status, 421);
  assert.throws(() => readPageServerConfig({ ...PORTS, PAGE_ALLOWED_HOSTS: 'https://hello.example' }), {
    message:
      'PAGE_ALLOWED_HOSTS must be a list of host names such as hello.example (no scheme, port or path), got "https://hello.example"',
  });
});

test('a malformed path such as // is a plain 400, with no stack trace in the log', async (t) => {
  const logged = t.mock.method(console, 'error', () => {});
  for (const path of ['//', '//:x', '///']) {
    const answer = await send('GET', path);
    assert.ok([400, 404].includes(answer.status), `${path}: ${answer.status}`);
    assert.doesNotMatch(answer.body, /\n\s+at /, path);
  }
  const answer = await send('GET', '//');
  assert.equal(answer.status, 400);
  assert.equal(answer.body, 'malformed path');
  const lines = logged.mock.calls.map((call) => call.arguments.map(String).join(' '));
  assert.deepEqual(
    lines.filter((line) => /Error|\n\s+at /.test(line)),
    [],
  );
  assert.equal((await send('GET', '/')).status, 200, 'still serving');
});

test('the document may not be framed, sends no Referer elsewhere, and keeps a browsing context of its own', async () => {
  for (const path of ['/', '/assets/index-Bx7aQ1.js', '/missing.js']) {
    const answer = await send('GET', path);
    assert.equal(answer.headers['content-security-policy'], "frame-ancestors 'none'", path);
    assert.equal(answer.headers['referrer-policy'], 'no-referrer', path);
    assert.equal(answer.headers['cross-origin-opener-policy'], 'same-origin', path);
  }
});
