import { createServer, type RequestListener } from 'node:http';

const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Serves `app` on `host`:`port` as `name` and owns the signals: on SIGTERM or SIGINT it stops
 * accepting, lets in-flight requests finish, then lets the process end. The tracing preload
 * flushes its spans when the event loop runs empty.
 */
export function serve(name: string, app: RequestListener, { host, port }: { host: string; port: number }, detail = '') {
  const server = createServer(app);

  // Requests Node cannot parse (headers over 16 KB, invalid characters, unknown methods) never reach
  // Express; they get a plain-text answer too, instead of a bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const [status, reason, body] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'request headers too large\n']
        : [400, 'Bad Request', 'malformed request\n'];
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  server.listen(port, host, () => {
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    console.log(`${name} listening on http://${host}:${bound}${detail}`);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      console.log(`${name} received ${signal}: draining in-flight requests`);
      server.close((error) => {
        if (error) console.error(`${name} closed with an error: ${error.message}`);
      });
      server.closeIdleConnections();
      setTimeout(() => {
        console.error(`${name}: requests still open after ${DRAIN_TIMEOUT_MS} ms, closing them`);
        server.closeAllConnections();
      }, DRAIN_TIMEOUT_MS).unref();
    });
  }
}
