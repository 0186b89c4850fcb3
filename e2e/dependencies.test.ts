// The server and the page server run OpenTelemetry JS 3.x; the page stays on the browser 2.x line
// (no 3.x browser SDK exists yet) in its own npm project, web/. Neither line may leak into the
// other, the page server's tracing (the server's modules) must load the root's one copy of each
// package, the preloads' loader hook must be the instrumentations' own, and the page's bundle must
// hold one copy of each @opentelemetry package.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildPage } from '@hello-trace/harness/testing/page';
import { repoRoot } from '@hello-trace/harness/testing/processes';

interface NpmTree {
  version?: string;
  dependencies?: Record<string, NpmTree>;
  problems?: string[];
}

/** Every version of every @opentelemetry/* package in an `npm ls --all --json` tree. */
function openTelemetryVersions(tree: NpmTree, found = new Map<string, Set<string>>()): Map<string, Set<string>> {
  for (const [name, dependency] of Object.entries(tree.dependencies ?? {})) {
    if (name.startsWith('@opentelemetry/') && dependency.version) {
      found.set(name, (found.get(name) ?? new Set()).add(dependency.version));
    }
    openTelemetryVersions(dependency, found);
  }
  return found;
}

async function npmTree(cwd: string, args: string[] = []): Promise<NpmTree> {
  const stdout = await promisify(execFile)('npm', ['ls', '--all', '--json', ...args], { cwd }).then(
    (result) => result.stdout,
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  const tree = JSON.parse(stdout) as NpmTree;
  assert.deepEqual(tree.problems ?? [], [], `npm ls in ${cwd}`);
  return tree;
}

/** Versioned on their own; their dependencies on the SDK packages are checked instead. */
const OWN_VERSIONS = new Set([
  '@opentelemetry/semantic-conventions',
  '@opentelemetry/instrumentation-express',
  '@opentelemetry/instrumentation-document-load',
  '@opentelemetry/instrumentation-undici',
]);
/** The browser 2.x line: api 1.9, SDK 2.x, experimental packages 0.2xx. */
const browserLine = (name: string, version: string) =>
  OWN_VERSIONS.has(name) || (name === '@opentelemetry/api' ? /^1\.9\./ : /^(2\.|0\.2\d\d\.)/).test(version);
/** The 3.x line: api 1.10, SDK 3.x, experimental packages 0.30x. */
const nodeLine = (name: string, version: string) =>
  OWN_VERSIONS.has(name) || (name === '@opentelemetry/api' ? /^1\.10\./ : /^(3\.|0\.30\d\.)/).test(version);

test('the page depends on one version of each @opentelemetry package, all on the browser 2.x line', async () => {
  const versions = openTelemetryVersions(await npmTree(join(repoRoot, 'web')));
  assert.ok(versions.has('@opentelemetry/sdk-trace-web') && versions.has('@opentelemetry/instrumentation-fetch'));
  for (const [name, found] of versions) {
    assert.equal(found.size, 1, `${name}: ${[...found].join(', ')}`);
    assert.ok(browserLine(name, [...found][0]), `${name}@${[...found][0]} is not on the browser 2.x line`);
  }
});

test('the server depends on one version of each @opentelemetry package, all on the 3.x line', async () => {
  const versions = openTelemetryVersions(await npmTree(repoRoot, ['--workspace', 'server']));
  assert.ok(versions.has('@opentelemetry/sdk-node') && versions.has('@opentelemetry/instrumentation-express'));
  for (const [name, found] of versions) {
    assert.equal(found.size, 1, `${name}: ${[...found].join(', ')}`);
    assert.ok(nodeLine(name, [...found][0]), `${name}@${[...found][0]} is not on the 3.x line`);
  }
});

test('the page server depends on one version of each @opentelemetry package, all on the 3.x line', async () => {
  const versions = openTelemetryVersions(await npmTree(repoRoot, ['--workspace', 'page-server']));
  assert.ok(versions.has('@opentelemetry/sdk-node') && versions.has('@opentelemetry/exporter-trace-otlp-proto'));
  for (const [name, found] of versions) {
    assert.equal(found.size, 1, `${name}: ${[...found].join(', ')}`);
    assert.ok(nodeLine(name, [...found][0]), `${name}@${[...found][0]} is not on the 3.x line`);
  }
});

/** Where Node resolves each package from a module in `folder`, as an ES module import would. */
async function resolvedFrom(folder: string, names: string[]): Promise<string[]> {
  const script = `for (const name of ${JSON.stringify(names)}) console.log(import.meta.resolve(name))`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: folder,
  });
  return stdout.trim().split('\n');
}

test("the server's tracing modules, run by the page server, load the root's copy of each package, as the page server does", async () => {
  const names = [
    '@opentelemetry/api',
    '@opentelemetry/core',
    '@opentelemetry/sdk-node',
    '@opentelemetry/semantic-conventions',
    '@opentelemetry/exporter-trace-otlp-proto',
    '@opentelemetry/exporter-trace-otlp-http',
    '@opentelemetry/exporter-trace-otlp-grpc',
    '@opentelemetry/instrumentation-http',
    'import-in-the-middle',
  ];
  const fromTracing = await resolvedFrom(join(repoRoot, 'server/tracing'), names);
  const fromPageServer = await resolvedFrom(join(repoRoot, 'page-server'), names);
  const rootModules = pathToFileURL(join(repoRoot, 'node_modules')).href;
  for (const [index, name] of names.entries()) {
    assert.ok(fromTracing[index].startsWith(`${rootModules}/${name}/`), `${name}: ${fromTracing[index]}`);
    assert.equal(fromPageServer[index], fromTracing[index], name);
  }
});

test('the loader hook the preloads register is the import-in-the-middle that the instrumentations hook modules through', async () => {
  // With two copies, the hook would wrap no module for the instrumentations, and nothing would say so.
  const [fromInstrumentation] = await resolvedFrom(join(repoRoot, 'node_modules/@opentelemetry/instrumentation'), [
    'import-in-the-middle',
  ]);
  const [fromTracing] = await resolvedFrom(join(repoRoot, 'server/tracing'), ['import-in-the-middle']);
  assert.equal(fromInstrumentation, fromTracing);
});

test('the built page bundles one copy of each @opentelemetry package', async () => {
  const outDir = await buildPage({}, ['--sourcemap']);
  try {
    const assets = join(outDir, 'assets');
    const sources: string[] = [];
    for (const file of (await readdir(assets)).filter((name) => name.endsWith('.js.map'))) {
      sources.push(...(JSON.parse(await readFile(join(assets, file), 'utf8')) as { sources: string[] }).sources);
    }
    // A second copy would come from another folder, such as node_modules/x/node_modules/@opentelemetry/core.
    const copies = new Map<string, Set<string>>();
    for (const source of sources) {
      const [, folder, name] = source.match(/^(.*node_modules\/(@opentelemetry\/[^/]+))\//) ?? [];
      if (name) copies.set(name, (copies.get(name) ?? new Set()).add(folder));
    }
    for (const name of [
      'api',
      'sdk-trace-web',
      'instrumentation-fetch',
      'instrumentation-document-load',
      'web-common',
      'exporter-trace-otlp-http',
      'core',
    ]) {
      assert.ok(copies.has(`@opentelemetry/${name}`), `the bundle lacks @opentelemetry/${name}`);
    }
    for (const [name, folders] of copies)
      assert.equal(folders.size, 1, `${name} bundled from ${[...folders].join(', ')}`);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
