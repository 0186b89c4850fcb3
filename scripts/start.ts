// `npm start`: the whole pipeline without Docker. Builds the collector and Jaeger from Go modules
// when Go is there, starts Jaeger, the collector, the greeter, the server and the page in that order, waits
// until each answers, prints where to go, and on Ctrl-C (or SIGTERM) stops them in reverse order,
// so that each flushes its spans to the next before that one stops.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultAddresses } from './addresses.ts';
import { ensureNativeBinaries, goVersion, GO_MISSING, repoRoot } from './native.ts';

interface Part {
  name: string;
  command: string;
  args: string[];
  /** What it reads besides the stack's addresses. */
  env?: Record<string, string>;
  /** Answers 2xx once the part is up. */
  healthUrl: string;
}

const STARTUP_TIMEOUT_MS = 120_000;
const log = (line: string) => console.log(`[start] ${line}`);

// The stack's addresses, where the environment wins; every part gets them all.
const env = { ...(await defaultAddresses()), ...process.env } as Record<string, string>;
/** A part's address as the browser sees it. */
const local = (port: string, path = '') => `http://localhost:${env[port]}${path}`;
/** Where to ask whether a part is up: the address it binds. */
const health = (port: string, path: string) => `http://127.0.0.1:${env[port]}${path}`;
const dataDir = env.JAEGER_DATA_DIR || join(env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'hello-trace/jaeger');

const parts: Part[] = [];
if (await goVersion()) {
  const binaries = await ensureNativeBinaries((line) => log(line));
  parts.push(
    {
      name: 'jaeger',
      command: binaries.jaeger,
      args: ['--config', join(repoRoot, 'jaeger-config.yaml')],
      env: { JAEGER_DATA_DIR: dataDir },
      healthUrl: health('JAEGER_HEALTH_PORT', '/status'),
    },
    {
      name: 'collector',
      command: binaries.otelcol,
      args: ['--config', join(repoRoot, 'otel-collector-config.yaml')],
      healthUrl: health('COLLECTOR_HEALTH_PORT', '/'),
    },
  );
} else {
  log(
    `${GO_MISSING}\n[start] Starting the page, the server and the greeter only; the Node processes' spans go to ${local('COLLECTOR_HTTP_PORT')}, the page's (through the page server) to ${local('COLLECTOR_BROWSER_PORT')}, if anything listens there.`,
  );
}
parts.push(
  {
    name: 'greeter',
    command: 'npm',
    args: ['run', 'start:greeter', '--silent', '-w', 'server'],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: local('COLLECTOR_HTTP_PORT') },
    healthUrl: health('GREETER_PORT', '/healthz'),
  },
  {
    name: 'server',
    command: 'npm',
    args: ['start', '--silent', '-w', 'server'],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: local('COLLECTOR_HTTP_PORT') },
    healthUrl: health('SERVER_PORT', '/healthz'),
  },
  {
    name: 'web',
    command: 'npm',
    args: ['start', '--silent', '-w', 'page-server'],
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: local('COLLECTOR_HTTP_PORT') },
    healthUrl: health('PAGE_PORT', '/healthz'),
  },
);

const running: ChildProcess[] = [];
let stopping = false;

async function stop(exitCode: number): Promise<void> {
  // Ctrl-C reaches npm and this process alike, and npm passes it on too: stop once.
  if (stopping) return;
  stopping = true;
  for (const [index, child] of [...running.entries()].toReversed()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    log(`stopping ${parts[index].name}`);
    // Each part runs in its own process group, so the signal reaches npm, its shell and the program.
    const exited = once(child, 'exit');
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // It ended on its own just now.
    }
    await exited;
  }
  log('stopped');
  process.exit(exitCode);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

function start(part: Part): ChildProcess {
  const child = spawn(part.command, part.args, {
    cwd: repoRoot,
    env: { ...env, ...part.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const [stream, sink] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
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
    const ok = await fetch(part.healthUrl).then(
      (response) => response.ok,
      () => false,
    );
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
  log(`Ready. Open ${local('PAGE_PORT')} and click "Say hello".
[start]   server:     ${local('SERVER_PORT', '/hello')}
[start]   greeter:    ${local('GREETER_PORT', '/greeting')} (the server calls it in the downstream scenario)
[start]   collector:  ${pipeline ? `${local('COLLECTOR_BROWSER_PORT')} (the page's OTLP HTTP, through the page server), ${local('COLLECTOR_HTTP_PORT')} and localhost:${env.COLLECTOR_GRPC_PORT} (the server's OTLP HTTP and gRPC)` : 'not started (no Go)'}
[start]   Jaeger:     ${pipeline ? `${local('JAEGER_UI_PORT', '/api/v3/traces/<trace id>')}, traces kept in ${dataDir}` : 'not started (no Go)'}
[start] Press Ctrl-C to stop.`);
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  await stop(1);
}
