// The collector and Jaeger, built from Go modules (no prebuilt binaries or images can be fetched on
// every machine): one collector, from ocb's manifest in native/otelcol, for every collector role; Jaeger
// and its index cleaner from native/jaeger. Binaries are cached outside the repository and rebuilt only
// when the manifest, a module's files or the Go version change.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The OpenTelemetry Collector Builder, whose release sets the collector's core modules; it builds
 * without cgo, so its binary is static and also serves the stand-in image's empty base.
 */
const OCB = 'go.opentelemetry.io/collector/cmd/builder@v0.165.0';

/** The Jaeger release that native/jaeger's module version (v1.75.0) is, and that the compose files' image pins. */
export const JAEGER_RELEASE = '2.12.0';

type NativeProgram =
  /** Built by ocb from its manifest: every collector role runs it. */
  | { name: 'otelcol'; manifest: string }
  /** Built by `go build` of `pkg` inside the Go module folder `module`. */
  | { name: 'jaeger' | 'es-index-cleaner'; module: string; pkg: string; ldflags?: string };

const PROGRAMS: NativeProgram[] = [
  { name: 'otelcol', manifest: 'native/otelcol/manifest.yaml' },
  {
    name: 'jaeger',
    module: 'native/jaeger',
    pkg: 'github.com/jaegertracing/jaeger/cmd/jaeger',
    ldflags: `-X github.com/jaegertracing/jaeger/internal/version.latestVersion=v${JAEGER_RELEASE}`,
  },
  { name: 'es-index-cleaner', module: 'native/jaeger', pkg: 'github.com/jaegertracing/jaeger/cmd/es-index-cleaner' },
];

export type NativeBinaries = Record<NativeProgram['name'], string>;

/** `go version`'s answer, or undefined when Go is not installed. */
export async function goVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('go', ['env', 'GOVERSION']);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

export const GO_MISSING = `Go was not found. The collector and Jaeger are built from Go modules: install Go 1.26 or later
(https://go.dev/dl/, or your package manager), or run the whole stack with \`docker compose up --build\`.`;

/** Where this project caches what it builds: `$XDG_CACHE_HOME/hello-trace`, or `~/.cache/hello-trace`. */
export const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'hello-trace');

/** Paths of the built binaries, building whichever is missing; `log` receives progress lines. */
export async function ensureNativeBinaries(log: (line: string) => void = console.log): Promise<NativeBinaries> {
  const binaries = {} as NativeBinaries;
  for (const program of PROGRAMS) binaries[program.name] = await ensureNativeBinary(program.name, log);
  return binaries;
}

/** Path of one built binary, building it when missing. */
export async function ensureNativeBinary(
  name: NativeProgram['name'],
  log: (line: string) => void = console.log,
): Promise<string> {
  const go = await goVersion();
  if (!go) throw new Error(GO_MISSING);
  await mkdir(cacheDir, { recursive: true });
  const program = PROGRAMS.find((candidate) => candidate.name === name)!;
  const binary = join(cacheDir, `${name}-${await fingerprint(program, go)}`);
  if (!(await stat(binary).catch(() => undefined))) await build(program, binary, log);
  return binary;
}

async function fingerprint(program: NativeProgram, go: string): Promise<string> {
  const hash = createHash('sha256').update(go);
  if ('manifest' in program) {
    hash.update(OCB).update(await readFile(join(repoRoot, program.manifest)));
  } else {
    hash.update(program.ldflags ?? '');
    const folder = join(repoRoot, program.module);
    for (const file of (await readdir(folder)).toSorted()) {
      if (/^go\.(mod|sum)$|\.go$/.test(file)) hash.update(file).update(await readFile(join(folder, file)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

async function build(program: NativeProgram, binary: string, log: (line: string) => void): Promise<void> {
  const from = 'manifest' in program ? program.manifest : program.module;
  log(`building ${program.name} from ${from} (the first build takes minutes; later ones are cached)`);
  const started = Date.now();
  const partial = `${binary}.partial`;
  // ocb writes its sources and the binary to the manifest's output_path, ./build, under its working folder.
  const [args, cwd, built] =
    'manifest' in program
      ? [['run', OCB, '--config', join(repoRoot, program.manifest)], partial, join(partial, 'build', program.name)]
      : [
          [
            'build',
            '-v',
            '-trimpath',
            ...(program.ldflags ? ['-ldflags', program.ldflags] : []),
            '-o',
            partial,
            program.pkg,
          ],
          join(repoRoot, program.module),
          partial,
        ];
  await rm(partial, { recursive: true, force: true });
  if ('manifest' in program) await mkdir(partial);
  const child = spawn('go', args, { cwd, stdio: ['ignore', 'inherit', 'pipe'] });
  let compiled = 0;
  let output = '';
  // `go build -v` names each package as it compiles it: count them as progress.
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
    compiled += chunk
      .toString()
      .split('\n')
      .filter((line) => /^[\w.-]+(\/[\w.~-]+)*$/.test(line)).length;
  });
  const progress = () =>
    'manifest' in program ? elapsed(started) : `${compiled} packages compiled, ${elapsed(started)}`;
  const ticker = setInterval(() => log(`building ${program.name}: ${progress()}`), 15_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(ticker);
  if (code !== 0) throw new Error(`go ${args.join(' ')} failed in ${cwd} (exit ${code}):\n${output}`);
  await rename(built, binary);
  await rm(partial, { recursive: true, force: true });
  log(`built ${program.name} in ${elapsed(started)}: ${binary}`);
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
