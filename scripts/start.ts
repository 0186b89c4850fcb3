// `npm start`: the whole pipeline without Docker. Builds the collector and Jaeger from Go modules
// when Go is there, starts Jaeger, the collector, the server and the page in that order, waits
// until each answers, prints where to go, and on Ctrl-C (or SIGTERM) stops them in reverse order,
// so that each flushes its spans to the next before that one stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ensureNativeBinaries, goVersion, GO_MISSING, repoRoot } from './native.ts';

interface Part {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Answers 2xx once the part is up. */
  healthUrl: string;
}

const STARTUP_TIMEOUT_MS = 120_000;
const log = (line: string) => console.log(`[start] ${line}`);

const parts: Part[] = [];
if (await goVersion()) {
  const binaries = await ensureNativeBinaries((line) => log(line));
  parts.push(
    {
      name: 'jaeger',
      command: binaries.jaeger,
      args: ['--config', join(repoRoot, 'jaeger-config.yaml')],
      healthUrl: 'http://127.0.0.1:13134/status',
    },
    {
      name: 'collector',
      command: binaries.otelcol,
      args: ['--config', join(repoRoot, 'otel-collector-config.yaml')],
      healthUrl: 'http://127.0.0.1:13133/',
    },
  );
} else {
  log(`${GO_MISSING}\n[start] Starting the page and the server only; their spans go to http://localhost:4318 if anything listens there.`);
}
parts.push(
  { name: 'server', command: 'npm', args: ['start', '--silent', '-w', 'server'], healthUrl: 'http://127.0.0.1:8000/healthz' },
  { name: 'web', command: 'npm', args: ['start', '--silent', '--prefix', 'web'], healthUrl: 'http://127.0.0.1:5173/' },
);

const running: ChildProcess[] = [];
let stopping = false;

async function stop(exitCode: number): Promise<never> {
  stopping = true;
  for (const child of running.toReversed()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    // Each part runs in its own process group, so the signal reaches npm, its shell and the program.
    const exited = once(child, 'exit');
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // It ended on its own just now.
    }
    await exited;
  }
  process.exit(exitCode);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

function start(part: Part): ChildProcess {
  const child = spawn(part.command, part.args, {
    cwd: repoRoot,
    env: { ...process.env, ...part.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const [stream, sink] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) sink.write(`[${part.name}] ${line}\n`);
    });
  }
  void once(child, 'exit').then(([code]) => {
    if (stopping) return;
    log(`${part.name} exited with code ${code}; stopping the rest.`);
    void stop(1);
  });
  return child;
}

async function waitUntilUp(part: Part): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (stopping) return;
    const ok = await fetch(part.healthUrl).then((response) => response.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${part.name} did not answer at ${part.healthUrl} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

try {
  for (const part of parts) {
    running.push(start(part));
    await waitUntilUp(part);
  }
  const pipeline = parts.some((part) => part.name === 'collector');
  log(`Ready. Open http://localhost:5173 and click "Say hello".
[start]   server:     http://localhost:8000/hello
[start]   collector:  ${pipeline ? 'http://localhost:4318 (OTLP HTTP), localhost:4317 (OTLP gRPC), health http://localhost:13133' : 'not started (no Go)'}
[start]   Jaeger:     ${pipeline ? 'http://localhost:16686/api/v3/traces/<trace id> (built from Go modules: its API, with a placeholder UI)' : 'not started (no Go)'}
[start] Press Ctrl-C to stop.`);
} catch (error) {
  log((error as Error).message);
  await stop(1);
}
