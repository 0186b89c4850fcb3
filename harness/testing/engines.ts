// Starts one engine process from harness/engines.ts as a runner does: spawned in its own process
// group, ready once its `ready()` says so, stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { EngineProcess } from '../engines.ts';

export interface RunningEngine {
  child: ChildProcess;
  /** Seconds from the spawn until it was ready. */
  startSeconds: number;
  output(): string;
  /** Its resident memory now, in MiB. */
  rssMiB(): Promise<number>;
  /** Sends the signal to its process group and resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startEngine(part: EngineProcess, timeoutMs = 120_000): Promise<RunningEngine> {
  const started = Date.now();
  const child = spawn(part.command, part.args, {
    cwd: part.cwd,
    env: { ...process.env, ...part.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-200_000)));
  child.stderr.on('data', (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-200_000)));
  const exited = once(child, 'exit');
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid!, signal);
    await exited;
  };
  while (!(await part.ready())) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${part.name} exited with ${child.exitCode ?? child.signalCode} before it was ready; its output ends with:\n${tail(output)}`,
      );
    }
    if (Date.now() - started > timeoutMs) {
      await stop('SIGKILL');
      throw new Error(
        `${part.name} was not ready within ${timeoutMs / 1000} s; its output ends with:\n${tail(output)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    child,
    startSeconds: (Date.now() - started) / 1000,
    output: () => output,
    rssMiB: async () =>
      Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024,
    stop,
  };
}

/** Its last lines, without Java's stack frames: what it said about why it stopped. */
const tail = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((line) => !/^\s+(at |\.\.\. \d+ more|Suppressed: )/.test(line))
    .slice(-12)
    .join('\n');
