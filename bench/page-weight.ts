// Page weight: the built page's gzipped JavaScript with tracing and without it (web/tracing/, the
// folder a copier takes, swapped for a startTracing that does nothing; the small OpenTelemetry API
// that the page's code calls stays, and does nothing without an SDK), and what each optional part of
// the tracing costs: the page built without that part's module (swapped for a stand-in that only
// builds), against the page with all of it.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '@hello-trace/harness/testing/processes';

// Vite belongs to the page's own npm project in web/; this is the part of its API used here.
const vite = createRequire(join(repoRoot, 'web/package.json')).resolve('vite');
const { build } = (await import(pathToFileURL(vite).href)) as {
  build(config: Record<string, unknown>): Promise<unknown>;
};

const TARGET_KB = 25;

/** A module the build takes from `replacement` instead: the module's exports, doing nothing. */
interface StandIn {
  find: RegExp;
  replacement: string;
}

const NO_TRACING: StandIn = {
  find: /^\.\.\/tracing\/index\.ts$/,
  replacement: 'export async function startTracing() {}',
};
const PARTS: Record<string, StandIn> = {
  'document load (instrumentation-document-load)': {
    find: /^@opentelemetry\/instrumentation-document-load$/,
    replacement: 'export class DocumentLoadInstrumentation {}',
  },
  'sessions, sampled per session (web-common, sessions.ts, session-store.ts, session-sampler.ts)': {
    find: /^\.\/sessions\.ts$/,
    replacement: 'export async function startSessions() {}',
  },
  'page errors (page-errors.ts)': {
    find: /^\.\/page-errors\.ts$/,
    replacement: 'export function tracePageErrors() {}',
  },
  'web vitals (web-vitals, web-vitals.ts)': {
    find: /^\.\/web-vitals\.ts$/,
    replacement: 'export function traceWebVitals() { return { recordUnder() {} }; }',
  },
  'sending a trace as it ends (send-when-trace-ends.ts)': {
    find: /^\.\/send-when-trace-ends\.ts$/,
    replacement: 'export class SendWhenTraceEnds {}',
  },
};

async function gzippedJs(standIns: StandIn[]): Promise<{ rawKb: number; gzipKb: number }> {
  const outDir = await mkdtemp(join(tmpdir(), 'hello-trace-weight-'));
  try {
    const alias = await Promise.all(
      standIns.map(async ({ find, replacement }, index) => {
        const file = join(outDir, `stand-in-${index}.ts`);
        await writeFile(file, `${replacement}\n`);
        return { find, replacement: file };
      }),
    );
    await build({
      root: join(repoRoot, 'web'),
      configFile: join(repoRoot, 'web/vite.config.ts'),
      logLevel: 'silent',
      build: { outDir: join(outDir, 'dist'), emptyOutDir: true },
      resolve: { alias },
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

const withTracing = await gzippedJs([]);
const withoutTracing = await gzippedJs([NO_TRACING]);
const addedKb = withTracing.gzipKb - withoutTracing.gzipKb;
const parts: Record<string, number> = {};
for (const [part, standIn] of Object.entries(PARTS)) {
  parts[part] = withTracing.gzipKb - (await gzippedJs([standIn])).gzipKb;
}

console.log("\nPage weight: the built page's JavaScript\n");
console.log('| page | JS KB | gzipped KB |');
console.log('| --- | ---: | ---: |');
console.log(`| with tracing | ${withTracing.rawKb.toFixed(1)} | ${withTracing.gzipKb.toFixed(1)} |`);
console.log(`| without tracing | ${withoutTracing.rawKb.toFixed(1)} | ${withoutTracing.gzipKb.toFixed(1)} |`);
console.log(`\ntracing adds ${addedKb.toFixed(1)} KB gzipped (target ≤ ${TARGET_KB} KB), of which\n`);
console.log('| part | gzipped KB |');
console.log('| --- | ---: |');
for (const [part, kb] of Object.entries(parts)) console.log(`| ${part} | ${kb.toFixed(1)} |`);
console.log(
  `| the rest: SDK, fetch instrumentation, OTLP exporter | ${(addedKb - Object.values(parts).reduce((a, b) => a + b, 0)).toFixed(1)} |\n`,
);
console.log(
  JSON.stringify({
    bench: 'page-weight',
    withTracing,
    withoutTracing,
    addedGzipKb: addedKb,
    partsGzipKb: parts,
    targetKb: TARGET_KB,
  }),
);
