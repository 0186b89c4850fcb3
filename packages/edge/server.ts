// An HTTP server for the public edge: deadlines on each request, caps on connections, a plain answer
// to what Node.js cannot parse, and a stop that does not wait on a slow client.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { isTrusted, keyOf, plainAddress, trustedProxies } from './client.ts';
import type { RefusalLog } from './refusals.ts';
import type { EdgeSettings } from './settings.ts';

/** A request's headers must have arrived this long after its first byte, */
export const HEADERS_TIMEOUT_MS = 10_000;
/** and the whole request this long after (Node's defaults are 60 s and 300 s); past either, a 408. */
export const REQUEST_TIMEOUT_MS = 20_000;
/** How often Node checks those deadlines (by default every 30 s, so a deadline could be 30 s late). */
const DEADLINE_CHECK_MS = 1_000;
/** On SIGTERM or SIGINT, open requests may finish within this long; then every connection is closed. */
export const DRAIN_MS = 5_000;

/**
 * A server of `listener` with the edge's deadlines and connection caps; what it refuses goes to
 * `refusals`.
 */
export function createEdgeServer(
  listener: RequestListener,
  { trustedProxies: proxies, maxConnections, maxConnectionsPerClient }: EdgeSettings,
  refusals: RefusalLog,
): Server {
  const server = createServer(
    {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: DEADLINE_CHECK_MS,
    },
    listener,
  );
  server.maxConnections = maxConnections;
  // Node.js closes a connection over maxConnections at once.
  server.on('drop', (data) =>
    refusals.count(
      `connection closed: over ${maxConnections} open at once`,
      keyOf(plainAddress(data?.remoteAddress ?? '')),
    ),
  );

  const trusted = trustedProxies(proxies);
  const openByClient = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = plainAddress(socket.remoteAddress ?? '');
    if (isTrusted(trusted, address)) return;
    const client = keyOf(address);
    const open = (openByClient.get(client) ?? 0) + 1;
    if (open > maxConnectionsPerClient) {
      refusals.count(`connection closed: over ${maxConnectionsPerClient} open at once from one client`, client);
      socket.destroy();
      return;
    }
    openByClient.set(client, open);
    socket.once('close', () => {
      const left = openByClient.get(client)! - 1;
      if (left === 0) openByClient.delete(client);
      else openByClient.set(client, left);
    });
  });

  // What Node.js cannot parse (headers over 16 KiB, invalid characters, unknown methods) or what came
  // too slowly never reaches the listener: a plain-text answer, instead of a bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const [status, reason, body] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'request headers too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'the request did not arrive in time']
          : [400, 'Bad Request', 'malformed request'];
    refusals.count(`${status} ${body}`, keyOf(plainAddress(socket.remoteAddress ?? '')));
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n` +
        `Content-Length: ${body.length + 1}\r\nConnection: close\r\n\r\n${body}\n`,
    );
  });
  return server;
}

/**
 * On SIGTERM or SIGINT, `server` (named `name` in the log) stops accepting, lets open requests finish
 * for at most `drainMs`, then closes every connection, a slow client's too. The process then ends
 * once nothing is left to run, and a tracing preload sends its last spans (flush-on-exit.ts).
 */
export function stopOnSignals(server: Server, name: string, drainMs = DRAIN_MS): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      console.log(`${name} received ${signal}: letting open requests finish for at most ${drainMs / 1000} s`);
      server.close((error) => {
        if (error) console.error(`${name} closed with an error: ${error.message}`);
      });
      server.closeIdleConnections();
      setTimeout(() => {
        console.error(`${name}: requests still open after ${drainMs / 1000} s, closing their connections`);
        server.closeAllConnections();
      }, drainMs).unref();
    });
  }
}
