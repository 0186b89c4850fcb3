// What a copier takes: each side's tracing folder, copied into an empty project outside the
// repository, with only the packages its README lists (and the app's own framework: Express, Vite).
// A dice-sized Express app preloaded with server/tracing, and a minimal Vite page that starts
// web/tracing, built and opened in Chromium; their spans reach a real OTLP receiver. Anything the
// folders need from outside themselves, or that their READMEs leave out, fails here.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { OtlpReceiver, SpanKind, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import { launchChromium } from '@hello-trace/harness/testing/page';
import { repoRoot, startProcess } from '@hello-trace/harness/testing/processes';

const run = promisify(execFile);
const NPM_INSTALL = ['install', '--save-exact', '--no-audit', '--no-fund', '--loglevel=error'];
/** npm retries a registry that does not answer for minutes; the test says so well within its own time. */
const INSTALL_TIMEOUT_MS = 120_000;

let receiver: OtlpReceiver;
const projects: string[] = [];

before(async () => {
  receiver = new OtlpReceiver();
  await receiver.start();
});

after(async () => {
  await receiver.stop();
  for (const project of projects) await rm(project, { recursive: true, force: true });
});

/** The packages of the README's `npm install --save-exact …` command, and the overrides it asks for. */
async function readmeSetUp(folder: string): Promise<{ packages: string[]; overrides: Record<string, unknown> }> {
  const readme = await readFile(join(repoRoot, folder, 'README.md'), 'utf8');
  const command = readme.match(/npm install --save-exact ([^`]*?)\n```/s)?.[1];
  assert.ok(command, `${folder}/README.md has no npm install --save-exact command`);
  const packages = command.split(/[\s\\]+/).filter(Boolean);
  return { packages, overrides: readmeOverrides(readme) };
}

/** The object after `"overrides": ` in the README, braces balanced; none when it asks for none. */
function readmeOverrides(readme: string): Record<string, unknown> {
  const start = readme.indexOf('"overrides": {');
  if (start === -1) return {};
  let depth = 0;
  for (let end = readme.indexOf('{', start); end < readme.length; end++) {
    depth += readme[end] === '{' ? 1 : readme[end] === '}' ? -1 : 0;
    if (depth === 0) return JSON.parse(readme.slice(readme.indexOf('{', start), end + 1)) as Record<string, unknown>;
  }
  throw new Error('the README\'s "overrides" object never closes');
}

/** The exact version of `name` that the repository's own `project` pins: the app's framework. */
async function pinnedVersion(project: string, name: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(repoRoot, project, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return `${name}@${manifest.dependencies?.[name] ?? manifest.devDependencies?.[name]}`;
}

/** The npm packages that the folder's modules import, by name (node: modules aside). */
async function importedPackages(folder: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of await readdir(join(repoRoot, folder))) {
    if (!/\.tsx?$/.test(file) || file.endsWith('.test.ts')) continue;
    const text = await readFile(join(repoRoot, folder, file), 'utf8');
    const imports = text.matchAll(/^\s*(?:(?:import|export)\b[^'";]*?\bfrom|import)\s*['"]([^.'"][^'"]*)['"]/gm);
    for (const [, specifier] of imports) {
      if (specifier.startsWith('node:')) continue;
      names.add(
        specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/'),
      );
    }
  }
  return names;
}

/** An empty project outside the repository with `folder` copied into it as `into`, and its README's packages installed. */
async function copyInto(folder: string, into: string, appPackages: string[]): Promise<string> {
  const project = await mkdtemp(join(tmpdir(), 'hello-trace-copy-'));
  projects.push(project);
  const { packages, overrides } = await readmeSetUp(folder);
  const listed = new Set(packages.map((spec) => spec.slice(0, spec.lastIndexOf('@'))));
  const unlisted = [...(await importedPackages(folder))].filter((name) => !listed.has(name));
  assert.deepEqual(unlisted, [], `${folder} imports packages that its README does not list`);
  await writeFile(join(project, 'package.json'), JSON.stringify({ private: true, type: 'module', overrides }));
  await cp(join(repoRoot, folder), join(project, into), {
    recursive: true,
    filter: (source) => !source.includes('node_modules'),
  });
  await run('npm', [...NPM_INSTALL, ...packages, ...appPackages], { cwd: project, timeout: INSTALL_TIMEOUT_MS }).catch(
    (error: Error & { stderr?: string }) => {
      throw new Error(`npm install in ${project} failed: ${error.stderr?.trim() || error.message}`, { cause: error });
    },
  );
  return project;
}

const DICE_APP = `
import { trace } from '@opentelemetry/api';
import express from 'express';

const tracer = trace.getTracer('dice-lib');
const app = express();

app.get('/rolldice/:rolls', (req, res) => {
  const rolls = Number(req.params.rolls);
  const results = Array.from({ length: rolls }, (_, i) =>
    tracer.startActiveSpan(\`rollOnce:\${i}\`, (span) => {
      const value = 1 + Math.floor(Math.random() * 6);
      span.setAttribute('dicelib.rolled', value);
      span.end();
      return value;
    }),
  );
  res.json(results);
});

const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log(\`listening on http://127.0.0.1:\${server.address().port}\`);
});
process.once('SIGTERM', () => server.close());
`;

test(
  'server/tracing, copied into an empty project, traces a dice-sized Express app',
  { timeout: 180_000 },
  async () => {
    const project = await copyInto('server/tracing', 'tracing', [await pinnedVersion('server', 'express')]);
    await writeFile(join(project, 'app.ts'), DICE_APP);
    const app = await startProcess(process.execPath, ['--import', './tracing/instrumentation.ts', 'app.ts'], {
      cwd: project,
      env: { PORT: '0', OTEL_SERVICE_NAME: 'dice-server', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      readyPattern: /listening on (http:\/\/\S+)/,
    });
    try {
      const response = await fetch(`${app.ready[1]}/rolldice/2`);
      assert.equal(response.status, 200);
      const ofDice = (spans: typeof receiver.spans) => spans.filter((span) => span.service === 'dice-server');
      const spans = ofDice(await receiver.waitFor((received) => ofDice(received).length >= 3));
      const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER);
      assert.ok(serverSpan, `no SERVER span among ${spans.map((span) => span.name).join(', ')}`);
      assert.equal(serverSpan.name, 'GET /rolldice/:rolls');
      assert.equal(serverSpan.scope, '@opentelemetry/instrumentation-http');
      assert.equal(serverSpan.attributes['http.route'], '/rolldice/:rolls');
      const rolls = spans.filter((span) => span.name.startsWith('rollOnce'));
      assert.equal(rolls.length, 2);
      for (const roll of rolls) assert.equal(roll.parentSpanId, serverSpan.spanId);
    } finally {
      assert.equal(await app.stop(), 0);
    }
  },
);

const PAGE = (serverUrl: string, tracesUrl: string) => ({
  'index.html': `<!doctype html>
<html>
  <head><title>copy</title></head>
  <body>
    <button>Call</button>
    <script type="module" src="/src/main.ts"></script>
  </body>
</html>
`,
  'vite.config.js': `export default { build: { target: 'es2022' } };\n`,
  'src/instrumentation.ts': `import { startTracing } from './tracing/index.ts';

await startTracing({ serviceName: 'copy-web', tracesUrl: '${tracesUrl}', traceHeaderOrigins: ['${serverUrl}'] });
`,
  'src/main.ts': `import './instrumentation.ts';

document.querySelector('button')!.addEventListener('click', async () => {
  const response = await fetch('${serverUrl}/hello');
  document.body.dataset.answered = String(response.status);
});
`,
});

/** A server that answers the page with CORS and keeps the headers of each request it got. */
async function recordingServer(
  pageOrigin: string,
): Promise<{ server: Server; url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    response.setHeader('Access-Control-Allow-Origin', pageOrigin);
    response.setHeader('Access-Control-Allow-Headers', 'traceparent, tracestate, baggage');
    if (request.method !== 'OPTIONS') seen.push(request.headers);
    response.end('hello');
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Serves the page that `vite build` writes to `dist`, on the origin the page's tracing is set up for. */
async function staticServer(dist: string): Promise<{ server: Server; url: string }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((request, response) => {
    const path = request.url === '/' ? '/index.html' : (request.url ?? '/');
    readFile(join(dist, path.replaceAll('..', ''))).then(
      (body) =>
        response.writeHead(200, { 'Content-Type': types[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}` };
}

test(
  'web/tracing, copied into an empty project, traces a minimal Vite page in Chromium',
  { timeout: 180_000 },
  async () => {
    const project = await copyInto('web/tracing', 'src/tracing', [await pinnedVersion('web', 'vite')]);
    const page = await staticServer(join(project, 'dist'));
    const api = await recordingServer(page.url);
    const pageReceiver = new OtlpReceiver({ allowedOrigins: [page.url] });
    await pageReceiver.start();
    const browser = await launchChromium();
    try {
      for (const [file, text] of Object.entries(PAGE(api.url, `${pageReceiver.url}/v1/traces`))) {
        await writeFile(join(project, file), text);
      }
      await run(join(project, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: project });
      const tab = await browser.newPage();
      await tab.goto(page.url);
      await tab.getByRole('button', { name: 'Call' }).click();
      await tab.waitForFunction(() => document.body.dataset.answered === '200');
      const isCall = (span: ReceivedSpan) =>
        span.kind === SpanKind.CLIENT && span.attributes['url.full'] === `${api.url}/hello`;
      const fetchSpan = (await pageReceiver.waitFor((spans) => spans.some(isCall))).find(isCall)!;
      assert.equal(fetchSpan.service, 'copy-web');
      assert.equal(fetchSpan.scope, '@opentelemetry/instrumentation-fetch');
      assert.deepEqual(
        api.seen.map((headers) => headers.traceparent),
        [`00-${fetchSpan.traceId}-${fetchSpan.spanId}-01`],
      );
    } finally {
      await browser.close();
      await pageReceiver.stop();
      page.server.close();
      api.server.close();
    }
  },
);
