export interface ServerConfig {
  host: string;
  port: number;
  allowedOrigins: string[];
  /** Where the `downstream` scenario reaches the greeter. */
  greeterUrl: string;
}

export interface GreeterConfig {
  host: string;
  port: number;
}

type Env = Record<string, string | undefined>;

/**
 * The server's settings (.env at the repository root holds the stack's ports); throws an error
 * naming the variable when one is malformed. By default the page's origin, on PAGE_PORT, with
 * either spelling of loopback, may call the server, and the greeter is on loopback, on GREETER_PORT.
 */
export function readConfig(env: Env = process.env): ServerConfig {
  const pagePort = parsePort('PAGE_PORT', env.PAGE_PORT ?? '5173');
  return {
    host: env.SERVER_HOST || '127.0.0.1',
    port: parsePort('SERVER_PORT', env.SERVER_PORT ?? '8000'),
    allowedOrigins: parseOrigins(
      env.CORS_ALLOWED_ORIGINS ?? `http://localhost:${pagePort},http://127.0.0.1:${pagePort}`,
    ),
    greeterUrl: parseBaseUrl('GREETER_URL', env.GREETER_URL ?? `http://127.0.0.1:${greeterPort(env)}`),
  };
}

/** The greeter's settings: loopback, on GREETER_PORT, by default. */
export function readGreeterConfig(env: Env = process.env): GreeterConfig {
  return { host: env.GREETER_HOST || '127.0.0.1', port: greeterPort(env) };
}

function greeterPort(env: Env): number {
  return parsePort('GREETER_PORT', env.GREETER_PORT ?? '8001');
}

/** An http(s) URL with no query or fragment, without its trailing slash, to put paths after. */
function parseBaseUrl(name: string, value: string): string {
  const url = URL.parse(value);
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash) {
    throw new Error(`${name} must be an http:// or https:// URL such as http://127.0.0.1:8001, got "${value}"`);
  }
  return url.href.replace(/\/$/, '');
}

function parsePort(name: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new Error(`${name} must be a whole number from 0 to 65535, got "${value}"`);
  }
  return port;
}

function parseOrigins(value: string): string[] {
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new Error(
        `CORS_ALLOWED_ORIGINS must list origins such as http://localhost:5173 (scheme, host and port, no path or trailing slash), got "${origin}"`,
      );
    }
  }
  return origins;
}
