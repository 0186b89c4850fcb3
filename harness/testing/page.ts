import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot, startProcess, startServer, type RunningProcess } from './processes.ts';

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
  return startProcess(
    process.execPath,
    ['--env-file=../.env', '--env-file=otel.env', '--import', './instrumentation.ts', 'main.ts'],
    {
      cwd: join(repoRoot, 'page-server'),
      // A page server whose spans the test does not collect sends them nowhere, rather than to the default collector.
      env: {
        PAGE_DIR: pageDir,
        PAGE_PORT: String(port),
        ...(env.OTEL_EXPORTER_OTLP_ENDPOINT ? {} : { OTEL_TRACES_EXPORTER: 'none' }),
        ...env,
      },
      readyPattern: /served at (http\S+)/,
    },
  );
}

export type ServedPage = RunningProcess & { pageDir: string; dispose(): Promise<void> };

/**
 * Builds the page with these VITE_* settings and serves it on `port`, the page server getting them
 * too (it reads VITE_SESSION_SAMPLE_RATIO), as every part gets every setting in `npm start`; `dispose`
 * stops it and removes the build.
 */
export async function servePage(
  port: number,
  buildEnv: Record<string, string>,
  serverEnv: Record<string, string> = {},
): Promise<ServedPage> {
  const pageDir = await buildPage(buildEnv);
  const pageServer = await startPageServer(pageDir, port, { ...buildEnv, ...serverEnv });
  return {
    ...pageServer,
    pageDir,
    async dispose() {
      await pageServer.stop();
      await rm(pageDir, { recursive: true, force: true });
    },
  };
}

export interface ServerAndPage {
  server: RunningProcess;
  serverUrl: string;
  page: ServedPage;
  pageUrl: string;
  stop(): Promise<void>;
}

/**
 * The hello server, and the page built to call it and served on `pagePort`, as the stack runs them:
 * the server and the page server export to the OTLP/HTTP base URL `otlpUrl`, the page to `pageOtlpUrl`
 * (the collector's browser receiver; `otlpUrl` by default) or, with `relayTo`, to its own origin, whose
 * page server relays to the browser receiver at `relayTo`; the server grants CORS to the page's
 * origin, and the page links to traces at `jaegerUrl`, where its page server also reads them.
 * `pageEnv` adds VITE_* settings, `pageServerEnv` the page server's.
 */
export async function startServerAndPage({
  pagePort,
  otlpUrl,
  pageOtlpUrl = otlpUrl,
  relayTo,
  jaegerUrl,
  pageEnv = {},
  pageServerEnv = {},
}: {
  pagePort: number;
  otlpUrl: string;
  pageOtlpUrl?: string;
  relayTo?: string;
  jaegerUrl: string;
  pageEnv?: Record<string, string>;
  pageServerEnv?: Record<string, string>;
}): Promise<ServerAndPage> {
  const server = await startServer({ OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl, PAGE_PORT: String(pagePort) });
  const serverUrl = server.ready[1];
  try {
    const page = await servePage(
      pagePort,
      {
        VITE_SERVER_URL: serverUrl,
        ...(relayTo ? {} : { VITE_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${pageOtlpUrl}/v1/traces` }),
        VITE_JAEGER_UI_URL: jaegerUrl,
        ...pageEnv,
      },
      {
        JAEGER_QUERY_URL: jaegerUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        ...(relayTo ? { COLLECTOR_BROWSER_URL: relayTo } : {}),
        ...pageServerEnv,
      },
    );
    return {
      server,
      serverUrl,
      page,
      pageUrl: page.ready[1],
      async stop() {
        await page.dispose();
        await server.stop();
      },
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
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

/** The trace id of the page load, from the page's "This page load" entry and its trace link. */
export async function pageLoadTraceId(tab: Page): Promise<string> {
  const href = await tab.getByTestId('page-load').getByRole('link').getAttribute('href', { timeout: 10_000 });
  const traceId = href?.match(/[0-9a-f]{32}/)?.[0];
  if (!traceId) throw new Error(`No trace id in the link of the page's "This page load" entry: ${href}`);
  return traceId;
}

/** Waits for the trace view's waterfall; when it does not come, the error says what the trace view shows instead. */
export async function waitForWaterfall(tab: Page, timeoutMs: number): Promise<void> {
  try {
    await tab.getByTestId('waterfall').waitFor({ timeout: timeoutMs });
  } catch (error) {
    const views = await tab
      .getByRole('region', { name: 'Trace', exact: true })
      .allInnerTexts()
      .catch(() => []);
    const said = views.map((text) => text.trim().replace(/\s*\n\s*/g, ': ')).join(' | ');
    throw new Error(`No waterfall within ${timeoutMs} ms; the trace view says "${said || 'nothing'}"`, {
      cause: error,
    });
  }
}
