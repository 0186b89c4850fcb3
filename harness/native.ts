// The collectors and Jaeger, built from the Go modules under native/ (no prebuilt binaries or
// images can be fetched on every machine): the small stack's collector and Jaeger, and for the scale
// path the agents' collector and Jaeger's index cleaner. Binaries are cached outside the repository and
// rebuilt only when a module's files or the Go version change.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface NativeProgram {
  name: 'otelcol' | 'jaeger' | 'otelcol-lb' | 'es-index-cleaner';
  /** The Go module folder under native/. */
  module: string;
  /** The package to build, from inside the module. */
  pkg: string;
  ldflags?: string;
}

const PROGRAMS: NativeProgram[] = [
  { name: 'otelcol', module: 'native/otelcol', pkg: '.' },
  {
    name: 'jaeger',
    module: 'native/jaeger',
    pkg: 'github.com/jaegertracing/jaeger/cmd/jaeger',
    ldflags: '-X github.com/jaegertracing/jaeger/internal/version.latestVersion=v2.13.0',
  },
  { name: 'otelcol-lb', module: 'native/otelcol-lb', pkg: '.' },
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

/**
 * Path of one built binary, building it when missing. `staticBuild` builds it without cgo, so that
 * it needs no C library: for an image with nothing else in it.
 */
export async function ensureNativeBinary(
  name: NativeProgram['name'],
  log: (line: string) => void = console.log,
  { staticBuild = false } = {},
): Promise<string> {
  const go = await goVersion();
  if (!go) throw new Error(GO_MISSING);
  await mkdir(cacheDir, { recursive: true });
  const program = PROGRAMS.find((candidate) => candidate.name === name)!;
  const binary = join(
    cacheDir,
    `${name}${staticBuild ? '-static' : ''}-${await fingerprint(program, go, staticBuild)}`,
  );
  if (!(await stat(binary).catch(() => undefined))) await build(program, binary, staticBuild, log);
  return binary;
}

async function fingerprint(program: NativeProgram, go: string, staticBuild: boolean): Promise<string> {
  const hash = createHash('sha256')
    .update(go)
    .update(program.ldflags ?? '');
  if (staticBuild) hash.update('CGO_ENABLED=0');
  const folder = join(repoRoot, program.module);
  for (const file of (await readdir(folder)).toSorted()) {
    if (/^go\.(mod|sum)$|\.go$/.test(file)) hash.update(file).update(await readFile(join(folder, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function build(
  program: NativeProgram,
  binary: string,
  staticBuild: boolean,
  log: (line: string) => void,
): Promise<void> {
  const what = `${staticBuild ? 'a static ' : ''}${program.name}`;
  log(`building ${what} from ${program.module} (the first build takes minutes; later ones are cached)`);
  const started = Date.now();
  const partial = `${binary}.partial`;
  const args = [
    'build',
    '-v',
    '-trimpath',
    ...(program.ldflags ? ['-ldflags', program.ldflags] : []),
    '-o',
    partial,
    program.pkg,
  ];
  const child = spawn('go', args, {
    cwd: join(repoRoot, program.module),
    env: staticBuild ? { ...process.env, CGO_ENABLED: '0' } : process.env,
    stdio: ['ignore', 'inherit', 'pipe'],
  });
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
  const ticker = setInterval(() => log(`building ${what}: ${compiled} packages compiled, ${elapsed(started)}`), 15_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(ticker);
  if (code !== 0) throw new Error(`go ${args.join(' ')} failed in ${program.module} (exit ${code}):\n${output}`);
  await rename(partial, binary);
  log(`built ${what} in ${elapsed(started)}: ${binary}`);
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
