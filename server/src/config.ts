export interface ServerConfig {
  host: string;
  port: number;
  allowedOrigins: string[];
}

type Env = Record<string, string | undefined>;

/**
 * The server's settings (.env at the repository root holds the stack's ports); throws an error
 * naming the variable when one is malformed. By default the page's origin, on PAGE_PORT, with
 * either spelling of loopback, may call the server.
 */
export function readConfig(env: Env = process.env): ServerConfig {
  const pagePort = parsePort('PAGE_PORT', env.PAGE_PORT ?? '5173');
  return {
    host: env.SERVER_HOST || '127.0.0.1',
    port: parsePort('SERVER_PORT', env.SERVER_PORT ?? '8000'),
    allowedOrigins: parseOrigins(
      env.CORS_ALLOWED_ORIGINS ?? `http://localhost:${pagePort},http://127.0.0.1:${pagePort}`,
    ),
  };
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
