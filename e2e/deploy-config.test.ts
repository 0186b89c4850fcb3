// The collector and Jaeger configs (the small stack's and the scale path's), the compose files and the
// Dockerfiles, checked without running them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ensureNativeBinary } from '@hello-trace/harness/native';
import { repoRoot } from '@hello-trace/harness/testing/processes';

interface CollectorConfig {
  receivers: Record<string, unknown>;
  processors?: Record<string, unknown>;
  exporters: Record<string, unknown>;
  extensions: Record<string, unknown>;
  service: {
    extensions: string[];
    pipelines: Record<string, Partial<Record<'receivers' | 'processors' | 'exporters', string[]>>>;
  };
}

for (const [file, binary] of [
  ['otel-collector-config.yaml', 'otelcol'],
  ['jaeger-config.yaml', 'jaeger'],
  ['scale/agent-browser.yaml', 'otelcol'],
  ['scale/agent-server.yaml', 'otelcol'],
  ['scale/gateway.yaml', 'jaeger'],
  ['scale/ingester.yaml', 'jaeger'],
  ['scale/query.yaml', 'jaeger'],
] as const) {
  test(`${file} uses exactly the components it defines`, async () => {
    const config = parse(await readFile(join(repoRoot, file), 'utf8')) as CollectorConfig;
    const pipelines = Object.values(config.service.pipelines);
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      const used = new Set(pipelines.flatMap((pipeline) => pipeline[kind] ?? []));
      assert.deepEqual(used, new Set(Object.keys(config[kind] ?? {})), kind);
    }
    assert.deepEqual(new Set(config.service.extensions), new Set(Object.keys(config.extensions)));
  });

  test(`${file} passes the real ${binary}'s validate`, { timeout: 900_000 }, async () => {
    const path = await ensureNativeBinary(binary, (line) => console.log(`# ${line}`));
    await promisify(execFile)(path, ['validate', '--config', join(repoRoot, file)]);
  });
}

for (const file of ['docker-compose.yml', 'scale/docker-compose.yml']) {
  test(`${file} is valid, pins the real images, holds no image switch and binds host ports to loopback`, async () => {
    const compose = join(repoRoot, file);
    await promisify(execFile)('docker', ['compose', '-f', compose, 'config', '-q'], { cwd: repoRoot });
    const text = await readFile(compose, 'utf8');
    const { services, version } = parse(text, { merge: true }) as {
      version?: string;
      services: Record<
        string,
        { image?: string; build?: { args?: string[] | Record<string, string> }; ports?: string[] }
      >;
    };
    assert.equal(version, undefined, 'no version: key');
    for (const [name, service] of Object.entries(services)) {
      if (service.image) assert.match(service.image, /^[\w./-]+:\d+\.\d+\.\d+$/, `${name} pins an exact image version`);
      else assert.ok(service.build, `${name} has an image or a build`);
      // The Dockerfiles' base image is theirs alone: compose passes no NODE_IMAGE (the tests' overlay does).
      const args = service.build?.args ?? [];
      const argNames = Array.isArray(args) ? args.map((arg) => arg.split('=')[0]) : Object.keys(args);
      assert.ok(!argNames.some((arg) => arg.endsWith('IMAGE')), `${name} passes no image as a build argument`);
      for (const port of service.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name} port ${port}`);
    }
    assert.doesNotMatch(text, /\$\{\w*IMAGE/, 'no ${…IMAGE} switch');
  });
}

for (const dockerfile of ['server/Dockerfile', 'web/Dockerfile']) {
  test(`${dockerfile} builds on a pinned Node.js LTS image, NODE_IMAGE by default`, async () => {
    const text = await readFile(join(repoRoot, dockerfile), 'utf8');
    assert.match(text, /^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-alpine\d+\.\d+$/m);
    const bases = [...text.matchAll(/^FROM (\S+)/gm)].map(([, base]) => base);
    assert.ok(
      bases.length > 0 && bases.every((base) => base === '${NODE_IMAGE}'),
      `every stage FROM \${NODE_IMAGE}: ${bases.join(', ')}`,
    );
  });
}
