import { fileURLToPath } from 'node:url';
import { readRate, type Rate } from '@hello-trace/edge/rate';
import { readEdgeSettings, type EdgeSettings } from '@hello-trace/edge/settings';
import { readHostNames, readPort, type Env } from '@hello-trace/env';
import { jaegerQueryUrl } from '@hello-trace/env/addresses';
import type { TraceWait } from '@hello-trace/page-api';
import { relaySettings, type RelaySettings } from './otlp-relay.ts';
import { traceWaitSettings } from './trace-wait-settings.ts';

/** The page's questions to Jaeger a second from one client, at once, and from all clients (PAGE_TRACE_RATE, _BURST, _TOTAL_RATE). */
const TRACE_RATE: Rate = { perClient: 10, burst: 40, total: 100 };

export interface PageServerConfig {
  /** The built page (web/dist/), whose index.html is the document. */
  pageDir: string;
  host: string;
  port: number;
  /** Host names it answers to besides localhost, 127.0.0.1 and `host`. */
  allowedHosts: string[];
  /** Jaeger's query API, where the page's questions about traces go. */
  jaegerUrl: string;
  /** The rate of the page's questions to Jaeger. */
  traceRate: Rate;
  relay: RelaySettings;
  traceWait: TraceWait;
  edge: EdgeSettings;
}

/** The page server's settings; throws an error naming the variable when one is missing or malformed. */
export function readPageServerConfig(env: Env = process.env): PageServerConfig {
  return {
    pageDir: env.PAGE_DIR || fileURLToPath(new URL('../web/dist', import.meta.url)),
    host: env.PAGE_HOST || '127.0.0.1',
    port: readPort(env, 'PAGE_PORT'),
    allowedHosts: readHostNames(env, 'PAGE_ALLOWED_HOSTS'),
    jaegerUrl: jaegerQueryUrl(env),
    traceRate: readRate(env, 'PAGE_TRACE', TRACE_RATE),
    relay: relaySettings(env),
    traceWait: traceWaitSettings(env),
    edge: readEdgeSettings(env),
  };
}
