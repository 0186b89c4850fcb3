import { clientKeys, trustedProxies } from '@hello-trace/edge/client';
import { ClientRate } from '@hello-trace/edge/rate';
import { RefusalLog } from '@hello-trace/edge/refusals';
import { createApp } from './app.ts';
import { readConfig, type ServerConfig } from './config.ts';
import { serve } from './serve.ts';

let config: ServerConfig;
try {
  config = readConfig();
} catch (error) {
  console.error(`hello-server cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const refusals = new RefusalLog('hello-server');
const clientKey = clientKeys(trustedProxies(config.edge.trustedProxies));
const app = createApp({
  allowedOrigins: config.allowedOrigins,
  greeterUrl: config.greeterUrl,
  helloRate: new ClientRate('GET /hello', config.helloRate, { clientKey, refusals }),
  report: (kind, request) => refusals.count(kind, clientKey(request)),
});
serve('hello-server', app, config, refusals, ` (CORS origins: ${config.allowedOrigins.join(', ')})`);
