import { fileURLToPath } from 'node:url';
import { readPort, type Env } from '@hello-trace/env';
import { jaegerQueryUrl } from '@hello-trace/env/addresses';
import type { TraceWait } from '@hello-trace/page-api';
import { traceWaitSettings } from '@hello-trace/page-api/trace-wait';
import { relaySettings, type RelaySettings } from './otlp-relay.ts';

export interface PageServerConfig {
  /** The built page (web/dist/), whose index.html is the document. */
  pageDir: string;
  host: string;
  port: number;
  /** Jaeger's query API, where the page's questions about traces go. */
  jaegerUrl: string;
  relay: RelaySettings;
  traceWait: TraceWait;
}

/** The page server's settings; throws an error naming the variable when one is missing or malformed. */
export function readPageServerConfig(env: Env = process.env): PageServerConfig {
  return {
    pageDir: env.PAGE_DIR || fileURLToPath(new URL('../web/dist', import.meta.url)),
    host: env.PAGE_HOST || '127.0.0.1',
    port: readPort(env, 'PAGE_PORT'),
    jaegerUrl: jaegerQueryUrl(env),
    relay: relaySettings(env),
    traceWait: traceWaitSettings(env),
  };
}
