import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot, startProcess, type RunningProcess } from './processes.ts';

const vite = join(repoRoot, 'node_modules/.bin/vite');

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Builds the page with these VITE_* settings and serves it with the page server on `port`. */
export async function servePage(port: number, env: Record<string, string>): Promise<RunningProcess & { dispose(): Promise<void> }> {
  const outDir = await mkdtemp(join(tmpdir(), 'hello-trace-page-'));
  const cwd = join(repoRoot, 'web');
  await promisify(execFile)(vite, ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd,
    env: { ...process.env, ...env },
  });
  const pageServer = await startProcess(process.execPath, ['dist-page-server/main.js'], {
    cwd,
    env: { PAGE_DIR: outDir, PORT: String(port) },
    readyPattern: /served at (http\S+)/,
  });
  return {
    ...pageServer,
    async dispose() {
      await pageServer.stop();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, started the way this machine allows; fails loudly when it cannot start. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
