import { createServer } from 'node:http';
import { createApp } from './app.ts';
import { readConfig, type ServerConfig } from './config.ts';

const DRAIN_TIMEOUT_MS = 10_000;

let config: ServerConfig;
try {
  config = readConfig();
} catch (error) {
  console.error(`hello-server cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const server = createServer(createApp(config.allowedOrigins));

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

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(
    `hello-server listening on http://${config.host}:${port} (CORS origins: ${config.allowedOrigins.join(', ')})`,
  );
});

// This file owns the signals: stop accepting, let in-flight requests finish, then let the
// process end. The tracing preload flushes its spans when the event loop runs empty.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    console.log(`hello-server received ${signal}: draining in-flight requests`);
    server.close((error) => {
      if (error) console.error(`hello-server closed with an error: ${error.message}`);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      console.error(`hello-server: requests still open after ${DRAIN_TIMEOUT_MS} ms, closing them`);
      server.closeAllConnections();
    }, DRAIN_TIMEOUT_MS).unref();
  });
}
