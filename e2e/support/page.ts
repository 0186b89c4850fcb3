import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot, startProcess, type RunningProcess } from './processes.ts';

const vite = join(repoRoot, 'web/node_modules/.bin/vite');

/** Builds the page with these VITE_* settings (and `vite build` options) into a temporary folder, and returns the folder. */
export async function buildPage(env: Record<string, string>, options: string[] = []): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'hello-trace-page-'));
  await promisify(execFile)(vite, ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn', ...options], {
    cwd: join(repoRoot, 'web'),
    env: { ...process.env, ...env },
  });
  return outDir;
}

/** The page server on `port` with its tracing preload, serving the built page in `pageDir`. */
export function startPageServer(
  pageDir: string,
  port: number,
  env: Record<string, string> = {},
): Promise<RunningProcess> {
  return startProcess(process.execPath, ['--env-file=otel.env', '--import', './instrumentation.ts', 'main.ts'], {
    cwd: join(repoRoot, 'page-server'),
    env: { PAGE_DIR: pageDir, PAGE_PORT: String(port), ...env },
    readyPattern: /served at (http\S+)/,
  });
}

/** Builds the page with these VITE_* settings and serves it on `port`; `dispose` stops it and removes the build. */
export async function servePage(
  port: number,
  buildEnv: Record<string, string>,
  serverEnv: Record<string, string> = {},
): Promise<RunningProcess & { pageDir: string; dispose(): Promise<void> }> {
  const pageDir = await buildPage(buildEnv);
  const pageServer = await startPageServer(pageDir, port, serverEnv);
  return {
    ...pageServer,
    pageDir,
    async dispose() {
      await pageServer.stop();
      await rm(pageDir, { recursive: true, force: true });
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

/** Clicks "Say hello" and waits until the page shows a new trace id; returns it. */
export async function clickSayHello(tab: Page): Promise<string> {
  const traceIdElement = tab.getByTestId('trace-id');
  const previous = (await traceIdElement.count()) > 0 ? await traceIdElement.textContent() : null;
  await tab.getByRole('button', { name: 'Say hello' }).click();
  await tab.waitForFunction((old) => document.querySelector('[data-testid="trace-id"]')?.textContent !== old, previous);
  return (await traceIdElement.textContent()) ?? '';
}
