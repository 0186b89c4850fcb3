// The collector and Jaeger configs and the compose file, checked without Docker (no engine runs here).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ensureNativeBinaries } from '../scripts/native.ts';
import { repoRoot } from './support/processes.ts';

interface CollectorConfig {
  receivers: Record<string, unknown>;
  processors: Record<string, unknown>;
  exporters: Record<string, unknown>;
  extensions: Record<string, unknown>;
  service: { extensions: string[]; pipelines: Record<string, Record<'receivers' | 'processors' | 'exporters', string[]>> };
}

for (const [file, binary] of [['otel-collector-config.yaml', 'otelcol'], ['jaeger-config.yaml', 'jaeger']] as const) {
  test(`${file} uses exactly the components it defines`, async () => {
    const config = parse(await readFile(join(repoRoot, file), 'utf8')) as CollectorConfig;
    const pipelines = Object.values(config.service.pipelines);
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      const used = new Set(pipelines.flatMap((pipeline) => pipeline[kind] ?? []));
      assert.deepEqual(used, new Set(Object.keys(config[kind])), kind);
    }
    assert.deepEqual(new Set(config.service.extensions), new Set(Object.keys(config.extensions)));
  });

  test(`${file} passes the real ${binary}'s validate`, { timeout: 900_000 }, async () => {
    const binaries = await ensureNativeBinaries((line) => console.log(`# ${line}`));
    await promisify(execFile)(binaries[binary], ['validate', '--config', join(repoRoot, file)]);
  });
}

test('docker-compose.yml is valid, pins its images and binds host ports to loopback', async () => {
  const compose = join(repoRoot, 'docker-compose.yml');
  await promisify(execFile)('docker-compose', ['-f', compose, 'config', '-q'], { cwd: repoRoot });
  const { services, version } = parse(await readFile(compose, 'utf8')) as {
    version?: string;
    services: Record<string, { image?: string; build?: unknown; ports?: string[] }>;
  };
  assert.equal(version, undefined, 'no version: key');
  for (const [name, service] of Object.entries(services)) {
    if (service.image) assert.match(service.image, /:\d+\.\d+\.\d+$/, `${name} pins an exact image version`);
    else assert.ok(service.build, `${name} has an image or a build`);
    for (const port of service.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name} port ${port}`);
  }
});
