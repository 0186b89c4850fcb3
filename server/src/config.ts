import { readRate, type Rate } from '@hello-trace/edge/rate';
import { readEdgeSettings, type EdgeSettings } from '@hello-trace/edge/settings';
import { greeterUrl, pageOrigins } from '@hello-trace/env/addresses';
import { readPort, type Env } from '@hello-trace/env';

/** GET /hello a second from one client, at once, and from all clients (HELLO_RATE, _BURST, _TOTAL_RATE). */
const HELLO_RATE: Rate = { perClient: 20, burst: 40, total: 1000 };

export interface ServerConfig {
  host: string;
  port: number;
  /** The page's origins, which CORS lets call the server. */
  allowedOrigins: string[];
  /** Where the `downstream` scenario reaches the greeter. */
  greeterUrl: string;
  /** The app's choice of a rate for GET /hello. */
  helloRate: Rate;
  edge: EdgeSettings;
}

export interface GreeterConfig {
  host: string;
  port: number;
  edge: EdgeSettings;
}

/**
 * The server's settings: loopback on SERVER_PORT; CORS for the page on PAGE_PORT (or
 * CORS_ALLOWED_ORIGINS); the greeter on GREETER_PORT (or GREETER_URL); the rate of GET /hello and
 * the edge's limits. Throws an error naming the variable when one is missing or malformed.
 */
export function readConfig(env: Env = process.env): ServerConfig {
  return {
    host: env.SERVER_HOST || '127.0.0.1',
    port: readPort(env, 'SERVER_PORT'),
    allowedOrigins: pageOrigins(env),
    greeterUrl: greeterUrl(env),
    helloRate: readRate(env, 'HELLO', HELLO_RATE),
    edge: readEdgeSettings(env),
  };
}

/** The greeter's settings: loopback on GREETER_PORT, and the edge's limits. */
export function readGreeterConfig(env: Env = process.env): GreeterConfig {
  return {
    host: env.GREETER_HOST || '127.0.0.1',
    port: readPort(env, 'GREETER_PORT'),
    edge: readEdgeSettings(env),
  };
}
