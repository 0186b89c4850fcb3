// `npm start`: runs the server and the page side by side, prefixes their output, waits until
// both answer, prints where to go, and on Ctrl-C (or SIGTERM) stops both and waits for them to flush.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

interface Part {
  name: string;
  workspace: string;
  /** Answers once the part is up. */
  healthUrl: string;
}

const parts: Part[] = [
  { name: 'server', workspace: 'server', healthUrl: 'http://127.0.0.1:8000/healthz' },
  { name: 'web', workspace: 'web', healthUrl: 'http://127.0.0.1:5173/' },
];
const STARTUP_TIMEOUT_MS = 120_000;

const children = parts.map((part) => {
  // Its own process group, so that a stop reaches npm, its shell and the program alike.
  const child = spawn('npm', ['start', '--silent', '-w', part.workspace], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  prefixLines(child, part.name);
  void once(child, 'exit').then(([code]) => {
    if (!stopping) {
      console.error(`[start] ${part.name} exited with code ${code}; stopping the rest.`);
      void stop(1);
    }
  });
  return child;
});

let stopping = false;
async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, 'SIGTERM');
      await once(child, 'exit');
    }),
  );
  process.exit(exitCode);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

function prefixLines(child: ChildProcess, name: string): void {
  for (const [stream, sink] of [[child.stdout, process.stdout], [child.stderr, process.stderr]] as const) {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) sink.write(`[${name}] ${line}\n`);
    });
  }
}

async function waitUntilUp(part: Part): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      if ((await fetch(part.healthUrl)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${part.name} did not answer at ${part.healthUrl} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

try {
  await Promise.all(parts.map(waitUntilUp));
  console.log(`
[start] Ready. Open http://localhost:5173 and click "Say hello".
[start]   server:  http://localhost:8000/hello
[start]   traces:  exported as OTLP to ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318'}; Jaeger UI at http://localhost:16686
[start] Press Ctrl-C to stop.`);
} catch (error) {
  console.error(`[start] ${(error as Error).message}`);
  await stop(1);
}
