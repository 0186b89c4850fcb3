import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { repoRoot } from '../native.ts';
import { portNames } from '../ports.ts';

export { repoRoot };

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process printed so far, for assertions and failure messages. */
  output(): string;
  /** The first match of the ready pattern. */
  ready: RegExpMatchArray;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

// Ports are drawn below the kernel's ephemeral range (32768 and up), where no outgoing connection
// can take one between the pick and the bind, and never twice in one process.
const PORT_RANGE = { from: 20_000, to: 32_767 };
const portsGiven = new Set<number>();

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (listening) await new Promise((resolve) => server.close(resolve));
  return listening;
}

/** A loopback port that nothing listens on now, and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from + 1));
    if (portsGiven.has(port)) continue;
    portsGiven.add(port);
    if (await canListen(port)) return port;
  }
}

/** Every port of .env (both stacks') moved to a free one, as a user would override them. */
export async function freeAddresses(): Promise<Record<string, string>> {
  const names = await portNames();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, String(await freePort())])));
}

/** Starts a command and resolves once its output matches `readyPattern`; rejects with its output if it exits or times out first. */
export async function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; readyPattern: RegExp; timeoutMs?: number },
): Promise<RunningProcess> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env } });
  let output = '';
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const stop = async (graceMs = 15_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return child.exitCode;
  };
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} ${args.join(' ')} was not ready after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(options.readyPattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited with ${code} before it was ready:\n${output}`));
    });
  });
  return { child, output: () => output, ready, stop };
}

/** A command line, run on one CPU core (with taskset) when `cpu` is given. */
export function onCore(cpu: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpu === undefined ? [command, args] : ['taskset', ['-c', cpu, command, ...args]];
}

const SERVER_ENV_FILES = ['--env-file=../.env', '--env-file=otel.env'];
/** Node's arguments for the hello server as its start script runs it, from `server/`. */
export const SERVER_ARGS = [...SERVER_ENV_FILES, '--import', './tracing/instrumentation.ts', 'src/main.ts'];
/** The same without the tracing preload: the baseline for what tracing costs. */
export const BARE_SERVER_ARGS = [...SERVER_ENV_FILES, 'src/main.ts'];

/**
 * The hello server on a free port, with these variables: as its start script runs it, or with
 * other Node arguments (`args`), pinned to one CPU core when `cpu` is given.
 */
export function startServer(
  env: Record<string, string>,
  { args = SERVER_ARGS, cpu }: { args?: string[]; cpu?: string } = {},
): Promise<RunningProcess> {
  return startProcess(...onCore(cpu, process.execPath, args), {
    cwd: `${repoRoot}/server`,
    env: { SERVER_PORT: '0', ...env },
    readyPattern: /listening on (http:\/\/\S+)/,
  });
}

/**
 * `npm start` (or `npm run start:scale`, with `script`) in a process group of its own, as in a
 * terminal, with these variables; resolves once it is ready. `stop()` sends Ctrl-C's SIGINT to the
 * group and resolves with everything it printed once every part has exited.
 */
export async function startStack(
  env: Record<string, string>,
  script: 'start' | 'start:scale' = 'start',
): Promise<{ output(): string; stop(): Promise<string> }> {
  const child = spawn('npm', ['run', script, '--silent'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  // Every part writes to these pipes: they close once the last one has exited.
  const closed = once(child.stdout, 'close');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT');
    await closed;
    return output;
  };
  const deadline = Date.now() + 600_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm run ${script} did not get ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { output: () => output, stop };
}
