// The host names a server answers to. A web page the visitor opens elsewhere can make its own host
// name resolve to this server's address (DNS rebinding), and so read it as if from its own origin;
// its requests still carry that host name, which this refuses with 421.
import type { IncomingMessage } from 'node:http';

/** Loopback by both names, the host the server is bound to (unless all interfaces), and `more`. */
export function servedHostNames(boundHost: string, more: readonly string[]): Set<string> {
  const bound = ['0.0.0.0', '::', ''].includes(boundHost)
    ? []
    : [boundHost.includes(':') ? `[${boundHost}]` : boundHost];
  return new Set(['localhost', '127.0.0.1', ...bound, ...more].map((name) => name.toLowerCase()));
}

/** The request's Host header without its port, lowercased; '' without one. */
export function hostNameOf(request: IncomingMessage): string {
  const host = (request.headers.host ?? '').toLowerCase();
  return host.match(/^(\[[^\]]*\]|[^:]*)/)?.[1] ?? '';
}
