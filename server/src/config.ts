export interface ServerConfig {
  host: string;
  port: number;
  allowedOrigins: string[];
}

type Env = Record<string, string | undefined>;

/** Reads the server's settings; throws an error naming the variable when one is malformed. */
export function readConfig(env: Env = process.env): ServerConfig {
  return {
    host: env.HOST || '127.0.0.1',
    port: parsePort(env.PORT ?? '8000'),
    allowedOrigins: parseOrigins(env.CORS_ALLOWED_ORIGINS ?? 'http://localhost:5173'),
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, got "${value}"`);
  }
  return port;
}

function parseOrigins(value: string): string[] {
  const origins = value.split(',').map((origin) => origin.trim()).filter(Boolean);
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new Error(
        `CORS_ALLOWED_ORIGINS must list origins such as http://localhost:5173 (scheme, host and port, no path or trailing slash), got "${origin}"`,
      );
    }
  }
  return origins;
}
