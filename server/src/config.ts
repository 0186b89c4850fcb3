import { greeterUrl, pageOrigins } from '@hello-trace/env/addresses';
import { readPort, type Env } from '@hello-trace/env';

export interface ServerConfig {
  host: string;
  port: number;
  /** The page's origins, which CORS lets call the server. */
  allowedOrigins: string[];
  /** Where the `downstream` scenario reaches the greeter. */
  greeterUrl: string;
}

export interface GreeterConfig {
  host: string;
  port: number;
}

/**
 * The server's settings: loopback on SERVER_PORT; CORS for the page on PAGE_PORT (or
 * CORS_ALLOWED_ORIGINS); the greeter on GREETER_PORT (or GREETER_URL). Throws an error naming the
 * variable when one is missing or malformed.
 */
export function readConfig(env: Env = process.env): ServerConfig {
  return {
    host: env.SERVER_HOST || '127.0.0.1',
    port: readPort(env, 'SERVER_PORT'),
    allowedOrigins: pageOrigins(env),
    greeterUrl: greeterUrl(env),
  };
}

/** The greeter's settings: loopback on GREETER_PORT. */
export function readGreeterConfig(env: Env = process.env): GreeterConfig {
  return { host: env.GREETER_HOST || '127.0.0.1', port: readPort(env, 'GREETER_PORT') };
}
