// The scale path's parts, in the order `npm run start:scale` starts them: OpenSearch, Kafka, the
// ingester and the query (Jaeger, scale/ingester.yaml and scale/query.yaml), the two gateways and the
// server and browser agents (native/otelcol, scale/gateway.yaml and scale/agent-*.yaml), then the
// greeter, the server and the page server as `npm start` runs them. Also the retention: es-index-cleaner.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { appParts, bindUrl } from './app-parts.ts';
import { cleanIndices, kafkaBroker, openSearchNodes, type EngineProcess } from './engines.ts';
import { configArgs } from './config-layers.ts';
import { ensureNativeBinary } from './native.ts';
import { portNames, stackEnv } from './ports.ts';
import type { Part } from './stack.ts';

/**
 * Every variable the scale path's parts read, where `overrides` (the environment) wins: .env's (the
 * ports and the gateways' sampling policy, which the page server is told too), the node count and the
 * replicas (none with a single node, which could not hold them).
 */
export async function scaleEnv(overrides: Record<string, string | undefined>): Promise<Record<string, string>> {
  const env = await stackEnv(overrides);
  env.OPENSEARCH_NODES ||= '3';
  if (env.OPENSEARCH_NODES !== '1' && env.OPENSEARCH_NODES !== '3') {
    throw new Error(`OPENSEARCH_NODES must be 1 or 3, got "${env.OPENSEARCH_NODES}"`);
  }
  env.OPENSEARCH_REPLICAS ||= env.OPENSEARCH_NODES === '1' ? '0' : '1';
  return env;
}

export interface ScaleParts {
  env: Record<string, string>;
  /** Where OpenSearch, Kafka and the collectors' queues keep their data. */
  dataDir: string;
  log(line: string): void;
  /** Also the greeter, the server and the page server (true by default). */
  app?: boolean;
}

export async function scaleParts({ env, dataDir, log, app = true }: ScaleParts): Promise<Part[]> {
  const jaeger = await ensureNativeBinary('jaeger', log);
  const otelcol = await ensureNativeBinary('otelcol', log);
  // Each gateway's receiver, health check and metrics (which collector/shared.yaml reads as
  // COLLECTOR_…) on its own ports, and its Kafka queue in a folder of its own beside the engines' data.
  const gateway = (n: 1 | 2): Part => ({
    name: `gateway-${n}`,
    command: otelcol,
    args: configArgs('gateway'),
    env: {
      GATEWAY_OTLP_PORT: env[`GATEWAY_${n}_OTLP_PORT`],
      COLLECTOR_HEALTH_PORT: env[`GATEWAY_${n}_HEALTH_PORT`],
      COLLECTOR_METRICS_PORT: env[`GATEWAY_${n}_METRICS_PORT`],
      COLLECTOR_DATA_DIR: join(dataDir, `gateway-${n}`),
    },
    healthUrl: bindUrl(env, `GATEWAY_${n}_HEALTH_PORT`, '/'),
  });
  // Each agent's health check and metrics, which collector/shared.yaml reads as COLLECTOR_…, on its own
  // ports, and its queue in a folder of its own.
  const agent = (role: 'server' | 'browser'): Part => {
    const own = `${role.toUpperCase()}_AGENT`;
    return {
      name: `${role}-agent`,
      command: otelcol,
      args: configArgs(`${role}-agent`),
      env: {
        COLLECTOR_HEALTH_PORT: env[`${own}_HEALTH_PORT`],
        COLLECTOR_METRICS_PORT: env[`${own}_METRICS_PORT`],
        COLLECTOR_DATA_DIR: join(dataDir, `${role}-agent`),
      },
      healthUrl: bindUrl(env, `${own}_HEALTH_PORT`, '/'),
    };
  };
  return [
    ...(await openSearchNodes({ nodes: Number(env.OPENSEARCH_NODES), dataDir, env }, log)).map((node, i) =>
      engine(node, bindUrl(env, `OPENSEARCH_${i + 1}_PORT`, '')),
    ),
    engine(await kafkaBroker({ dataDir: join(dataDir, 'kafka'), env }, log), `127.0.0.1:${env.KAFKA_PORT}`),
    {
      name: 'ingester',
      command: jaeger,
      args: configArgs('ingester'),
      healthUrl: bindUrl(env, 'INGESTER_HEALTH_PORT', '/status'),
    },
    {
      name: 'query',
      command: jaeger,
      args: configArgs('query'),
      healthUrl: bindUrl(env, 'JAEGER_HEALTH_PORT', '/status'),
    },
    gateway(1),
    gateway(2),
    agent('server'),
    agent('browser'),
    ...(app ? appParts(env, pageServerEnv) : []),
  ];
}

/** What the page server says to the page: the gateways sample whole traces (page-server/trace-wait-settings.ts). */
const pageServerEnv = { TAIL_SAMPLING: 'true' };

/**
 * The port variables whose port another program already holds on loopback, such as
 * `KAFKA_PORT (9092)`: a part could not listen there, or would find another program instead.
 */
export async function takenPorts(env: Record<string, string>): Promise<string[]> {
  const unused = new Set(
    [2, 3]
      .filter((n) => n > Number(env.OPENSEARCH_NODES))
      .flatMap((n) => [`OPENSEARCH_${n}_PORT`, `OPENSEARCH_${n}_TRANSPORT_PORT`]),
  );
  const names = (await portNames('scale')).filter((name) => !unused.has(name));
  const free = await Promise.all(
    names.map(
      (name) =>
        new Promise<boolean>((resolve) => {
          const server = createServer().once('error', () => resolve(false));
          server.listen(Number(env[name]), '127.0.0.1', () => server.close(() => resolve(true)));
        }),
    ),
  );
  return names.filter((_, i) => !free[i]).map((name) => `${name} (${env[name]})`);
}

/** OpenSearch's addresses, one per node that runs. */
export function openSearchUrls(env: Record<string, string>): string[] {
  return Array.from({ length: Number(env.OPENSEARCH_NODES) }, (_, i) => bindUrl(env, `OPENSEARCH_${i + 1}_PORT`, ''));
}

/** An engine (harness/engines.ts) as a part of the stack, named with its address for when it does not get up. */
function engine({ name, command, args, env, cwd, ready }: EngineProcess, address: string): Part {
  return { name, command, args, env, cwd, ready, address };
}

/**
 * Deletes the daily indices created more than TRACE_RETENTION_DAYS ago (3 by default: the small stack's
 * 72 h) with Jaeger's es-index-cleaner, asking each node in turn until one answers; logs what it did.
 */
export async function cleanOldIndices(env: Record<string, string>, log: (line: string) => void): Promise<void> {
  const days = env.TRACE_RETENTION_DAYS || '3';
  if (!/^\d{1,4}$/.test(days)) {
    log(`TRACE_RETENTION_DAYS must be a whole number of days, such as 3, not "${days}": no index deleted`);
    return;
  }
  let failure = '';
  for (const url of openSearchUrls(env)) {
    try {
      const deleted = await cleanIndices({ url, days: Number(days) }, log);
      log(
        `es-index-cleaner kept the last ${days} days: ${deleted.length ? `deleted ${deleted.join(', ')}` : 'no older index'}`,
      );
      return;
    } catch (error) {
      failure = (error as Error).message;
    }
  }
  log(`${failure}; it tries again in 24 h`);
}
