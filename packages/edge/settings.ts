// The public edge's settings, the same for every server that takes requests from outside: which
// proxies' X-Forwarded-For to believe, and how many connections to hold.
import { readCount, readSubnets, type Env, type Subnet } from '@hello-trace/env';

export interface EdgeSettings {
  /** The reverse proxies in front (TRUSTED_PROXIES); none: X-Forwarded-For is ignored. */
  trustedProxies: Subnet[];
  /** Connections open at once, from all clients. */
  maxConnections: number;
  /** Connections open at once from one client; a trusted proxy, which speaks for many, counts only in the total. */
  maxConnectionsPerClient: number;
}

/** The edge's settings; throws an error naming the variable when one is malformed. */
export function readEdgeSettings(env: Env = process.env): EdgeSettings {
  const maxConnections = readCount(env, 'MAX_CONNECTIONS', 1000);
  const maxConnectionsPerClient = readCount(env, 'MAX_CONNECTIONS_PER_CLIENT', 64);
  if (maxConnectionsPerClient > maxConnections) {
    throw new Error(
      `MAX_CONNECTIONS_PER_CLIENT (${maxConnectionsPerClient}) must be at most MAX_CONNECTIONS (${maxConnections})`,
    );
  }
  return { trustedProxies: readSubnets(env, 'TRUSTED_PROXIES'), maxConnections, maxConnectionsPerClient };
}
