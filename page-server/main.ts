// The page server as a process: reads its settings, listens, and on SIGTERM or SIGINT stops
// accepting and lets the open requests finish for at most 5 s; the tracing preload then sends its
// last spans.
import type { AddressInfo } from 'node:net';
import { stopOnSignals } from '@hello-trace/edge/server';
import { readPageServerConfig, type PageServerConfig } from './config.ts';
import { createPageServer } from './page-server.ts';

let config: PageServerConfig;
let server: ReturnType<typeof createPageServer>;
try {
  config = readPageServerConfig();
  server = createPageServer(config);
} catch (error) {
  console.error(`hello-page server cannot start: ${(error as Error).message}`);
  process.exit(1);
}

const { host, port, pageDir, relay, jaegerUrl, traceWait } = config;
server.listen(port, host, () => {
  const { port: boundPort } = server.address() as AddressInfo;
  console.log(
    `hello-page served at http://localhost:${boundPort}/ (bound to ${host}, from ${pageDir}; spans to ${relay.collectorUrl}, traces from ${jaegerUrl} within ${traceWait.seconds} s${traceWait.tailSampling ? ', tail-sampled' : ''})`,
  );
});
stopOnSignals(server, 'hello-page server');
