// The stack's addresses, each with one default. .env holds the ports a user changes (the page, the
// server, the collector's OTLP ports, Jaeger's UI); the others (health checks, metrics, Jaeger's own
// OTLP and gRPC query ports) have their defaults beside their use, as `${env:NAME:-default}` in the
// collector's and Jaeger's configs, and in scale/ for the scale path. A variable set in the
// environment wins over both.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ENGINE_PORTS } from './engines.ts';
import { repoRoot } from './native.ts';

const CONFIGS = ['otel-collector-config.yaml', 'jaeger-config.yaml'];
const SCALE_CONFIGS = ['agent-browser.yaml', 'agent-server.yaml', 'gateway.yaml', 'ingester.yaml', 'query.yaml'].map(
  (file) => join('scale', file),
);

/**
 * The scale path's ports that no config holds: the gateways' health and metrics (both gateways share
 * gateway.yaml, whose defaults are the first's); OpenSearch's and Kafka's come from harness/engines.ts.
 */
const GATEWAY_PORTS = {
  GATEWAY_1_HEALTH_PORT: '13151',
  GATEWAY_1_METRICS_PORT: '8893',
  GATEWAY_2_HEALTH_PORT: '13152',
  GATEWAY_2_METRICS_PORT: '8894',
};

/** A gateway's own ports, which each gateway process gets from its GATEWAY_n_… variables. */
export const GATEWAY_PROCESS_PORTS = ['GATEWAY_OTLP_PORT', 'GATEWAY_HEALTH_PORT', 'GATEWAY_METRICS_PORT'];

/** Every port variable of the small stack with its default: the configs' defaults, then .env's. */
export async function defaultAddresses(): Promise<Record<string, string>> {
  return { ...(await configDefaults(CONFIGS)), ...(await dotEnv()) };
}

/** Every port variable of the scale path with its default: scale/'s configs', the engines' and the gateways', then .env's. */
export async function scaleAddresses(): Promise<Record<string, string>> {
  const defaults = await configDefaults(SCALE_CONFIGS);
  for (const name of GATEWAY_PROCESS_PORTS) delete defaults[name];
  return { ...defaults, ...ENGINE_PORTS, ...GATEWAY_PORTS, ...(await dotEnv()) };
}

async function configDefaults(configs: string[]): Promise<Record<string, string>> {
  const defaults: Record<string, string> = {};
  for (const config of configs) {
    const text = await readFile(join(repoRoot, config), 'utf8');
    for (const [, name, port] of text.matchAll(/\$\{env:(\w+_PORT):-(\d+)\}/g)) defaults[name] = port;
  }
  return defaults;
}

async function dotEnv(): Promise<Record<string, string>> {
  return parseEnv(await readFile(join(repoRoot, '.env'), 'utf8')) as Record<string, string>;
}
