// The stack's addresses, each with one default. .env holds the ports a user changes (the page, the
// server, the collector's OTLP ports, Jaeger's UI); the others (health checks, metrics, Jaeger's own
// OTLP and gRPC query ports) have their defaults beside their use, as `${env:NAME:-default}` in the
// collector's and Jaeger's configs. A variable set in the environment wins over both.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { repoRoot } from './native.ts';

const CONFIGS = ['otel-collector-config.yaml', 'jaeger-config.yaml'];

/** Every port variable of the stack with its default: the configs' defaults, then .env's. */
export async function defaultAddresses(): Promise<Record<string, string>> {
  const defaults: Record<string, string> = {};
  for (const config of CONFIGS) {
    const text = await readFile(join(repoRoot, config), 'utf8');
    for (const [, name, port] of text.matchAll(/\$\{env:(\w+_PORT):-(\d+)\}/g)) defaults[name] = port;
  }
  return { ...defaults, ...(parseEnv(await readFile(join(repoRoot, '.env'), 'utf8')) as Record<string, string>) };
}
