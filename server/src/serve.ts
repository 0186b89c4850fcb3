import type { RequestListener } from 'node:http';
import type { RefusalLog } from '@hello-trace/edge/refusals';
import { createEdgeServer, stopOnSignals } from '@hello-trace/edge/server';
import type { EdgeSettings } from '@hello-trace/edge/settings';

/**
 * Serves `app` on `host`:`port` as `name`, with the edge's deadlines and connection caps (what they
 * refuse goes to `refusals`), and owns the signals: on SIGTERM or SIGINT it stops accepting, lets
 * open requests finish for at most 5 s, closes what is left, then lets the process end. The tracing
 * preload flushes its spans when the event loop runs empty.
 */
export function serve(
  name: string,
  app: RequestListener,
  { host, port, edge }: { host: string; port: number; edge: EdgeSettings },
  refusals: RefusalLog,
  detail = '',
) {
  const server = createEdgeServer(app, edge, refusals);
  server.listen(port, host, () => {
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    console.log(`${name} listening on http://${host}:${bound}${detail}`);
  });
  stopOnSignals(server, name);
}
