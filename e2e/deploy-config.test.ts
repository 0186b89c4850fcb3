// The collector and Jaeger configs (the small stack's and the scale path's), each role's layers as
// harness/config-layers.ts loads them, checked with the real binaries' validate; the compose files and
// the Dockerfiles, checked without running them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { DRAIN_MS } from '@hello-trace/edge/server';
import { configArgs, ROLES, type Role } from '@hello-trace/harness/config-layers';
import { ensureNativeBinary, JAEGER_RELEASE } from '@hello-trace/harness/native';
import { stackEnv } from '@hello-trace/harness/ports';
import { repoRoot } from '@hello-trace/harness/testing/processes';

type Kind = 'receivers' | 'processors' | 'exporters' | 'extensions';
const KINDS: Kind[] = ['receivers', 'processors', 'exporters', 'extensions'];

interface Config extends Partial<Record<Kind, Record<string, unknown>>> {
  service?: { extensions?: string[]; pipelines?: Record<string, Partial<Record<Kind, string[]>>> };
}

const read = async (file: string) => (parse(await readFile(join(repoRoot, file), 'utf8')) ?? {}) as Config;

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `later` on top of `earlier`, as the collector merges its --config files: maps merge, anything else is replaced. */
function merge(earlier: unknown, later: unknown): unknown {
  if (!isMap(earlier) || !isMap(later)) return later === undefined ? earlier : later;
  const merged = { ...earlier };
  for (const [key, value] of Object.entries(later)) merged[key] = merge(earlier[key], value);
  return merged;
}

const layered = async (files: readonly string[]) =>
  (await Promise.all(files.map(read))).reduce<Config>((merged, config) => merge(merged, config) as Config, {});

/** The components of each kind that the role's pipelines and service name. */
function used(config: Config): Record<Kind, Set<string>> {
  const pipelines = Object.values(config.service?.pipelines ?? {});
  const named = (kind: Kind) => new Set(pipelines.flatMap((pipeline) => pipeline[kind] ?? []));
  return {
    receivers: named('receivers'),
    processors: named('processors'),
    exporters: named('exporters'),
    extensions: new Set(config.service?.extensions ?? []),
  };
}

const defined = (config: Config, kind: Kind) => new Set(Object.keys(config[kind] ?? {}));

/** What every collector role shares: a role may leave what it alone defines unused, as another role uses it. */
const SHARED = 'collector/shared.yaml';

/**
 * Defined for troubleshooting, used by no pipeline unless someone turns it on (docs/troubleshooting.md):
 * `debug` writes a line per batch, which would grow the log with the traffic.
 */
const ON_DEMAND = { kind: 'exporters', name: 'debug' } as const;
const onDemand = (kind: Kind, name: string) => kind === ON_DEMAND.kind && name === ON_DEMAND.name;

for (const [role, { binary, files }] of Object.entries(ROLES)) {
  test(`${role} (${files.join(' + ')}) uses exactly the components it defines`, async () => {
    const config = await layered(files);
    const own = await layered(files.filter((file) => file !== SHARED));
    const uses = used(config);
    for (const kind of KINDS) {
      for (const name of uses[kind])
        assert.ok(defined(config, kind).has(name), `${kind}: ${name} is used, not defined`);
      const unused = [...defined(config, kind)].filter((name) => !uses[kind].has(name) && !onDemand(kind, name));
      for (const name of unused) {
        assert.ok(!defined(own, kind).has(name), `${kind}: ${name} is defined in ${files.join(' + ')}, not used`);
      }
    }
  });

  test(`${role}: no pipeline writes a line per batch (${ON_DEMAND.name}) by default`, async () => {
    for (const [name, pipeline] of Object.entries((await layered(files)).service?.pipelines ?? {})) {
      assert.ok(!pipeline[ON_DEMAND.kind]?.includes(ON_DEMAND.name), `${name} uses ${ON_DEMAND.name}`);
    }
  });

  test(`${role}'s layers pass the real ${binary}'s validate`, { timeout: 900_000 }, async () => {
    const path = await ensureNativeBinary(binary, (line) => console.log(`# ${line}`));
    await promisify(execFile)(path, ['validate', ...configArgs(role as Role)], { env: await stackEnv() });
  });
}

test(`every component of ${SHARED} serves a collector role`, async () => {
  const shared = await read(SHARED);
  const roles = Object.values(ROLES).filter(({ files }) => (files as readonly string[]).includes(SHARED));
  const uses = await Promise.all(roles.map(async ({ files }) => used(await layered(files))));
  for (const kind of KINDS) {
    for (const name of defined(shared, kind)) {
      assert.ok(
        uses.some((use) => use[kind].has(name)),
        `${kind}: ${name} of ${SHARED} is used by no role`,
      );
    }
  }
});

interface ComposeService {
  image?: string;
  build?: { args?: Record<string, string> };
  command?: string[];
  ports?: { host_ip: string }[];
  volumes?: { type: string; source: string; target: string }[];
  logging?: { driver?: string; options?: Record<string, string> };
  stop_grace_period?: string;
}

/** A compose file as compose resolves it, with the repository's .env, as the files' first lines say to run them. */
async function resolved(file: string): Promise<Record<string, ComposeService>> {
  const { stdout } = await promisify(execFile)(
    'docker',
    ['compose', '--env-file', '.env', '-f', file, 'config', '--format', 'json'],
    { cwd: repoRoot },
  );
  return (JSON.parse(stdout) as { services: Record<string, ComposeService> }).services;
}

/** Which role of harness/config-layers.ts each collector and Jaeger service runs. */
const COMPOSE_ROLES: Record<string, Record<string, Role>> = {
  'docker-compose.yml': { jaeger: 'jaeger', 'otel-collector': 'collector' },
  'scale/docker-compose.yml': {
    'gateway-1': 'gateway',
    'gateway-2': 'gateway',
    ingester: 'ingester',
    query: 'query',
    'agent-server': 'server-agent',
    'agent-browser': 'browser-agent',
  },
};

for (const [file, roles] of Object.entries(COMPOSE_ROLES)) {
  test(`${file} is valid, pins the real images, holds no image switch and binds host ports to loopback`, async () => {
    const services = await resolved(file);
    for (const source of [file, 'compose/app.yml']) {
      const text = await readFile(join(repoRoot, source), 'utf8');
      assert.equal((parse(text) as { version?: string }).version, undefined, `${source}: no version: key`);
      assert.doesNotMatch(text, /\$\{\w*IMAGE/, `${source}: no \${…IMAGE} switch`);
      assert.doesNotMatch(text, /\$\{\w+_PORT:?-/, `${source}: no port fallback: .env holds them`);
    }
    for (const [name, service] of Object.entries(services)) {
      if (service.image) assert.match(service.image, /^[\w./-]+:\d+\.\d+\.\d+$/, `${name} pins an exact image version`);
      else assert.ok(service.build, `${name} has an image or a build`);
      // The Dockerfiles' base image is theirs alone: compose passes no NODE_IMAGE (the tests' overlay does).
      const args = Object.keys(service.build?.args ?? {});
      assert.ok(!args.some((arg) => arg.endsWith('IMAGE')), `${name} passes no image as a build argument`);
      for (const port of service.ports ?? []) assert.equal(port.host_ip, '127.0.0.1', `${name} publishes on loopback`);
    }
  });

  test(`${file}: every service rotates its log, so that a long run cannot fill the disk`, async () => {
    for (const [name, { logging }] of Object.entries(await resolved(file))) {
      assert.equal(logging?.driver, 'json-file', `${name} logs with the json-file driver`);
      assert.match(logging.options?.['max-size'] ?? '', /^\d+[km]$/, `${name}'s log has a max-size`);
      assert.match(logging.options?.['max-file'] ?? '', /^\d+$/, `${name}'s log has a max-file`);
    }
  });

  test(`${file} loads each collector and Jaeger role's layers as the native stacks do`, async () => {
    const services = await resolved(file);
    for (const [name, role] of Object.entries(roles)) {
      const { command = [], volumes = [] } = services[name];
      const mounted = command
        .filter((arg) => arg.startsWith('--config='))
        .map((arg) => {
          const volume = volumes.find((candidate) => candidate.target === arg.slice('--config='.length));
          return volume && relative(repoRoot, volume.source);
        });
      assert.deepEqual(mounted, ROLES[role].files, `${name} runs ${role}`);
    }
  });
}

test(`native/jaeger builds Jaeger ${JAEGER_RELEASE} on the collector release it ships with, the image both compose files pin`, async () => {
  // Module version v1.75.0 is Jaeger 2.12.0, whose components are collector v0.139.0: a newer collector
  // in the graph still builds, but every Jaeger role then stops at start.
  const { stdout } = await promisify(execFile)(
    'go',
    ['list', '-m', 'github.com/jaegertracing/jaeger', 'go.opentelemetry.io/collector/otelcol'],
    { cwd: join(repoRoot, 'native/jaeger') },
  );
  assert.deepEqual(stdout.trim().split('\n'), [
    'github.com/jaegertracing/jaeger v1.75.0',
    'go.opentelemetry.io/collector/otelcol v0.139.0',
  ]);
  for (const file of Object.keys(COMPOSE_ROLES)) {
    const jaegers = Object.values(await resolved(file)).filter(({ image }) => image?.startsWith('jaegertracing/'));
    assert.ok(jaegers.length > 0, `${file} runs Jaeger`);
    for (const { image } of jaegers) assert.equal(image, `jaegertracing/jaeger:${JAEGER_RELEASE}`, file);
  }
});

/** Seconds in a compose duration such as `25s` or `1m30s`. */
function seconds(duration = ''): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  return [...duration.matchAll(/(\d+)([hms])/g)].reduce((sum, [, count, unit]) => sum + Number(count) * units[unit], 0);
}

test('on stop, each app service has time to drain and then send its last spans before compose kills it', async () => {
  // The longest a flush takes: the exporter's timeout, with its retries (each service's otel.env).
  const flushMs = Math.max(
    ...(await Promise.all(
      ['server/otel.env', 'page-server/otel.env'].map(async (file) =>
        Number((await readFile(join(repoRoot, file), 'utf8')).match(/^OTEL_EXPORTER_OTLP_TIMEOUT=(\d+)$/m)?.[1]),
      ),
    )),
  );
  for (const file of Object.keys(COMPOSE_ROLES)) {
    const services = await resolved(file);
    for (const name of ['greeter', 'server', 'page-server']) {
      const graceMs = seconds(services[name].stop_grace_period) * 1000;
      assert.ok(graceMs > DRAIN_MS + flushMs, `${file}: ${name} gets ${graceMs} ms, needs over ${DRAIN_MS + flushMs}`);
    }
  }
});

for (const dockerfile of ['server/Dockerfile', 'web/Dockerfile']) {
  test(`${dockerfile} builds on the Node.js image of the NODE_VERSION compose passes, NODE_IMAGE by default`, async () => {
    const text = await readFile(join(repoRoot, dockerfile), 'utf8');
    assert.match(text, /^ARG NODE_VERSION\nARG NODE_IMAGE=node:\$\{NODE_VERSION\}-alpine\d+\.\d+$/m);
    assert.doesNotMatch(
      text,
      /^(ENV|EXPOSE) .*\d{4}/m,
      'no port of its own: .env holds them, and compose passes them on',
    );
    const bases = [...text.matchAll(/^FROM (\S+)/gm)].map(([, base]) => base);
    assert.ok(
      bases.length > 0 && bases.every((base) => base === '${NODE_IMAGE}'),
      `every stage FROM \${NODE_IMAGE}: ${bases.join(', ')}`,
    );
  });
}

test(".env's NODE_VERSION is an exact Node.js LTS release, and compose builds every Node.js image on it", async () => {
  const { NODE_VERSION } = await stackEnv();
  const major = Number(/^(\d+)\.\d+\.\d+$/.exec(NODE_VERSION)?.[1]);
  assert.ok(major % 2 === 0, `NODE_VERSION=${NODE_VERSION}: an exact release of an even (LTS) major`);
  for (const file of Object.keys(COMPOSE_ROLES)) {
    for (const [name, service] of Object.entries(await resolved(file))) {
      if (service.build) assert.equal(service.build.args?.NODE_VERSION, NODE_VERSION, `${file}: ${name}`);
    }
  }
});
