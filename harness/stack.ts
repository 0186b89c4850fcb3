// Runs a stack of programs, as `npm start` and `npm run start:scale` do: starts the parts in order,
// each in a process group of its own once the one before it is up, prefixes their output with their
// names, and stops them in reverse order, so that each flushes its data to the next before that one
// stops. When a part exits on its own, the rest are stopped too.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { repoRoot } from './native.ts';

interface PartCommand {
  name: string;
  command: string;
  args: string[];
  /** What it reads besides the stack's environment. */
  env?: Record<string, string>;
  /** Where it runs; the repository by default. */
  cwd?: string;
}

/** A part is up once `healthUrl` answers 2xx, or once `ready()` resolves true; `address` names where it is asked. */
export type Part = PartCommand & ({ healthUrl: string } | { ready(): Promise<boolean>; address: string });

export interface StackOptions {
  /** Every part's environment, below its own `env`. */
  env: Record<string, string>;
  /** A line of the stack's own, such as `stopping page-server`. */
  log(line: string): void;
  /** Where the parts' output goes, each line prefixed with `[name] `; the terminal by default. */
  write?(text: string, stream: 'stdout' | 'stderr'): void;
  startupTimeoutMs?: number;
  /**
   * How long a part may take to exit after SIGTERM before it is killed (SIGKILL); by default it may
   * take as long as it needs to hand its data on.
   */
  stopGraceMs?: number;
}

export interface Stack {
  /**
   * Starts every part in order and resolves once all are up. When one does not get up in time, or
   * exits, the stack logs why, stops the rest and rejects with that reason.
   */
  start(): Promise<void>;
  /** Stops every running part in reverse order; resolves once all have exited. */
  stop(): Promise<void>;
  /** Resolves once the stack has stopped: 0 when asked to, 1 when a part exited on its own or did not get up. */
  readonly stopped: Promise<number>;
  /**
   * Stops one part (SIGTERM to its process group, or `signal`: SIGKILL for a crash), leaving the rest
   * running, until `startPart`.
   */
  stopPart(name: string, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts a part stopped with `stopPart` again and waits until it is up. */
  startPart(name: string): Promise<void>;
  /** The process id of a running part, which is also its process group's id. */
  pid(name: string): number | undefined;
}

const DEFAULT_STARTUP_TIMEOUT_MS = 120_000;

export function createStack(parts: Part[], options: StackOptions): Stack {
  const { env, log, startupTimeoutMs = DEFAULT_STARTUP_TIMEOUT_MS, stopGraceMs } = options;
  const write = options.write ?? ((text: string, stream: 'stdout' | 'stderr') => void process[stream].write(text));
  const running = new Map<string, ChildProcess>();
  /** Parts stopped on purpose: their exit stops nothing else. */
  const paused = new Set<string>();
  let stopping = false;
  /** Why the stack stopped on its own. */
  let failure: string | undefined;
  let resolveStopped: (code: number) => void;
  const stopped = new Promise<number>((resolve) => (resolveStopped = resolve));

  const byName = (name: string): Part => {
    const part = parts.find((candidate) => candidate.name === name);
    if (!part) throw new Error(`No part named ${name}: the stack has ${parts.map((p) => p.name).join(', ')}`);
    return part;
  };

  async function stopChild(name: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = running.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // Each part runs in its own process group, so the signal reaches npm, its shell and the program.
    const exited = once(child, 'exit');
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // It ended on its own just now.
    }
    const kill =
      stopGraceMs === undefined
        ? undefined
        : setTimeout(() => {
            log(`${name} has not exited ${stopGraceMs / 1000} s after SIGTERM: killing it`);
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // It exited meanwhile.
            }
          }, stopGraceMs);
    await exited;
    clearTimeout(kill);
  }

  async function stopAll(exitCode: number): Promise<void> {
    // Ctrl-C reaches npm and the stack alike, and npm passes it on too: stop once.
    if (stopping) return;
    stopping = true;
    for (const part of parts.toReversed()) {
      const child = running.get(part.name);
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      log(`stopping ${part.name}`);
      await stopChild(part.name);
    }
    log('stopped');
    resolveStopped(exitCode);
  }

  function launch(part: Part): void {
    const child = spawn(part.command, part.args, {
      cwd: part.cwd ?? repoRoot,
      env: { ...env, ...part.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const [stream, name] of [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const) {
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) write(`[${part.name}] ${line}\n`, name);
      });
    }
    running.set(part.name, child);
    void once(child, 'exit').then(([code]) => {
      if (stopping || paused.has(part.name)) return;
      fail(`${part.name} exited with code ${code}; stopping the rest.`);
    });
  }

  function fail(reason: string): void {
    failure = reason;
    log(reason);
    void stopAll(1);
  }

  async function isUp(part: Part): Promise<boolean> {
    if ('ready' in part) return part.ready().catch(() => false);
    return fetch(part.healthUrl).then(
      (response) => response.ok,
      () => false,
    );
  }

  async function waitUntilUp(part: Part): Promise<void> {
    const deadline = Date.now() + startupTimeoutMs;
    while (!(await isUp(part))) {
      if (!stopping && Date.now() > deadline) {
        const address = 'ready' in part ? part.address : part.healthUrl;
        fail(`${part.name} did not answer at ${address} within ${startupTimeoutMs / 1000} s`);
      }
      if (stopping) {
        await stopped;
        throw new Error(failure ?? 'the stack was stopped');
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  return {
    async start() {
      for (const part of parts) {
        launch(part);
        await waitUntilUp(part);
      }
    },
    stop: () => stopAll(0),
    stopped,
    async stopPart(name, signal) {
      byName(name);
      paused.add(name);
      await stopChild(name, signal);
    },
    async startPart(name) {
      const part = byName(name);
      paused.delete(name);
      launch(part);
      await waitUntilUp(part);
    },
    pid: (name) => running.get(name)?.pid,
  };
}
