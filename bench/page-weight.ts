// Page weight: the built page's gzipped JavaScript with tracing and without it (main.tsx's
// `import './instrumentation.ts'` swapped for an empty module; the small OpenTelemetry API that the
// page's code calls stays, and does nothing without an SDK).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../e2e/support/processes.ts';

// Vite belongs to the page's own npm project in web/; this is the part of its API used here.
const vite = createRequire(join(repoRoot, 'web/package.json')).resolve('vite');
const { build } = (await import(pathToFileURL(vite).href)) as {
  build(config: Record<string, unknown>): Promise<unknown>;
};

const TARGET_KB = 25;

async function gzippedJs(withTracing: boolean): Promise<{ rawKb: number; gzipKb: number }> {
  const outDir = await mkdtemp(join(tmpdir(), 'hello-trace-weight-'));
  const empty = join(outDir, 'no-instrumentation.ts');
  await writeFile(empty, 'export {};\n');
  try {
    await build({
      root: join(repoRoot, 'web'),
      configFile: join(repoRoot, 'web/vite.config.ts'),
      logLevel: 'silent',
      build: { outDir: join(outDir, 'dist'), emptyOutDir: true },
      resolve: withTracing ? {} : { alias: [{ find: /^\.\/instrumentation\.ts$/, replacement: empty }] },
    });
    const assets = join(outDir, 'dist/assets');
    let raw = 0;
    let gzip = 0;
    for (const file of (await readdir(assets)).filter((name) => name.endsWith('.js'))) {
      const content = await readFile(join(assets, file));
      raw += content.length;
      gzip += gzipSync(content).length;
    }
    return { rawKb: raw / 1024, gzipKb: gzip / 1024 };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

const withTracing = await gzippedJs(true);
const withoutTracing = await gzippedJs(false);
const addedKb = withTracing.gzipKb - withoutTracing.gzipKb;

console.log("\nPage weight: the built page's JavaScript\n");
console.log('| page | JS KB | gzipped KB |');
console.log('| --- | ---: | ---: |');
console.log(`| with tracing | ${withTracing.rawKb.toFixed(1)} | ${withTracing.gzipKb.toFixed(1)} |`);
console.log(`| without tracing | ${withoutTracing.rawKb.toFixed(1)} | ${withoutTracing.gzipKb.toFixed(1)} |`);
console.log(`\ntracing adds ${addedKb.toFixed(1)} KB gzipped (target ≤ ${TARGET_KB} KB)\n`);
console.log(
  JSON.stringify({ bench: 'page-weight', withTracing, withoutTracing, addedGzipKb: addedKb, targetKb: TARGET_KB }),
);
