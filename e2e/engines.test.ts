// The scale path's two Java engines as scripts/engines.ts runs them, from Maven Central, on free
// loopback ports: OpenSearch as a cluster of three that keeps every document when a node dies, Kafka in
// KRaft mode answering its own admin tool, Jaeger's es-index-cleaner keeping OpenSearch to a retention,
// and plain messages when Java is missing or an engine cannot start.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { cleanIndices, kafkaBroker, kafkaTopics, openSearchNodes } from '@hello-trace/harness/engines';
import { startEngine, type RunningEngine } from '@hello-trace/harness/testing/engines';
import { freeAddresses, freePort, repoRoot } from '@hello-trace/harness/testing/processes';

const log = (line: string) => console.log(`# ${line}`);

/** One OpenSearch request; its JSON answer, or an error with OpenSearch's own. */
async function openSearch(url: string, init: { method?: string; body?: unknown; ndjson?: string } = {}): Promise<any> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { 'content-type': init.ndjson ? 'application/x-ndjson' : 'application/json' },
    body: init.ndjson ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Writes documents with these ids to the index, each naming its id, and waits until search sees them. */
async function writeDocuments(url: string, index: string, ids: number[]): Promise<void> {
  const ndjson = ids.map((id) => `{"index":{"_id":"${id}"}}\n{"n":${id}}\n`).join('');
  const answer = await openSearch(`${url}/${index}/_bulk?refresh=wait_for`, { method: 'POST', ndjson });
  assert.equal(answer.errors, false, JSON.stringify(answer.items.find((item: any) => item.index.error)));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + index);

async function stopAll(running: RunningEngine[]): Promise<void> {
  for (const engine of running.toReversed()) await engine.stop();
}

test(
  'a 3-node OpenSearch cluster forms, goes green with a replica of each shard, and keeps every document when its cluster manager dies',
  { timeout: 240_000 },
  async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-opensearch-'));
    const env = await freeAddresses();
    const urls = [1, 2, 3].map((n) => `http://127.0.0.1:${env[`OPENSEARCH_${n}_PORT`]}`);
    const running: RunningEngine[] = [];
    try {
      for (const node of await openSearchNodes({ nodes: 3, dataDir, env }, log)) {
        const engine = await startEngine(node);
        running.push(engine);
        t.diagnostic(
          `${node.name}: ready in ${engine.startSeconds.toFixed(1)} s, ${Math.round(await engine.rssMiB())} MiB resident`,
        );
      }
      assert.equal((await openSearch(`${urls[0]}/_cluster/health`)).number_of_nodes, 3);

      await openSearch(`${urls[0]}/engines-test`, {
        method: 'PUT',
        body: { settings: { number_of_shards: 3, number_of_replicas: 1 } },
      });
      const health = await openSearch(`${urls[0]}/_cluster/health/engines-test?wait_for_status=green&timeout=60s`);
      assert.equal(health.status, 'green');
      await writeDocuments(urls[0], 'engines-test', range(0, 100));

      // The harder loss: the elected cluster manager, so the other two must elect another.
      const manager = (await (await fetch(`${urls[0]}/_cat/cluster_manager?h=node`)).text()).trim();
      const dead = Number(/^opensearch-(\d)$/.exec(manager)?.[1]) - 1;
      assert.ok(dead >= 0, `the cluster manager is ${manager}`);
      await running[dead].stop('SIGKILL');
      const survivor = urls[(dead + 1) % 3];
      const after = await openSearch(
        `${survivor}/_cluster/health/engines-test?wait_for_nodes=2&wait_for_status=yellow&timeout=60s`,
      );
      assert.equal(after.timed_out, false, JSON.stringify(after));
      assert.equal(after.number_of_nodes, 2);

      const found = await openSearch(`${survivor}/engines-test/_mget`, {
        method: 'POST',
        body: { ids: range(0, 100).map(String) },
      });
      const missing = found.docs.flatMap((doc: { found: boolean }, id: number) => (doc.found ? [] : [id]));
      assert.deepEqual(missing, [], 'documents written before the node died are missing');
      await writeDocuments(survivor, 'engines-test', range(100, 150));
      assert.equal((await openSearch(`${survivor}/engines-test/_count`)).count, 150);
    } finally {
      await stopAll(running);
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);

test(
  'Kafka starts in KRaft mode, and its own admin tool creates and lists a topic',
  { timeout: 120_000 },
  async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-kafka-'));
    const env = await freeAddresses();
    const broker = await startEngine(await kafkaBroker({ dataDir, env }, log));
    try {
      t.diagnostic(
        `kafka: ready in ${broker.startSeconds.toFixed(1)} s, ${Math.round(await broker.rssMiB())} MiB resident`,
      );
      const server = ['--bootstrap-server', `127.0.0.1:${env.KAFKA_PORT}`];
      await kafkaTopics([...server, '--create', '--topic', 'jaeger-spans', '--partitions', '2']);
      assert.match(await kafkaTopics([...server, '--list']), /^jaeger-spans$/m);
      assert.match(await kafkaTopics([...server, '--describe', '--topic', 'jaeger-spans']), /PartitionCount: 2\b/);
    } finally {
      await broker.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);

test(
  "es-index-cleaner keeps the indices created within the retention, deletes Jaeger's past it, and leaves other indices alone",
  { timeout: 120_000 },
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-opensearch-'));
    const env = await freeAddresses();
    const url = `http://127.0.0.1:${env.OPENSEARCH_1_PORT}`;
    const [node] = await openSearchNodes({ nodes: 1, dataDir, env }, log);
    const running = [await startEngine(node)];
    try {
      const today = new Date().toISOString().slice(0, 10);
      const jaeger = [`jaeger-span-${today}`, `jaeger-service-${today}`, 'jaeger-span-2020-01-01'];
      for (const index of [...jaeger, 'hello-other']) {
        await openSearch(`${url}/${index}`, { method: 'PUT', body: { settings: { number_of_replicas: 0 } } });
      }
      const indices = async () =>
        ((await openSearch(`${url}/_cat/indices?format=json&h=index`)) as { index: string }[])
          .map(({ index }) => index)
          .toSorted();

      // OpenSearch dates each index itself when it creates it (index.creation_date cannot be given), and
      // the cleaner goes by that date, not by the name: all four are today's. A retention of one day
      // keeps today's, even the one named after 2020.
      assert.deepEqual(await cleanIndices({ url, days: 1 }, log), []);
      assert.deepEqual(await indices(), [...jaeger, 'hello-other'].toSorted());
      // With none, today's are past it too: Jaeger's go, the other stays.
      assert.deepEqual((await cleanIndices({ url, days: 0 }, log)).toSorted(), jaeger.toSorted());
      assert.deepEqual(await indices(), ['hello-other']);
    } finally {
      await stopAll(running);
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);

test('es-index-cleaner against an OpenSearch that does not answer says so in one line', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  await assert.rejects(
    cleanIndices({ url, days: 7 }, log),
    new RegExp(
      `^Error: es-index-cleaner could not clean OpenSearch at ${url}: failed to query indices: .*connection refused$`,
    ),
  );
});

test('an OpenSearch node whose port is taken exits at once with the reason', { timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-opensearch-'));
  const env = await freeAddresses();
  const taken = createServer().listen(Number(env.OPENSEARCH_1_PORT), '127.0.0.1');
  try {
    const [node] = await openSearchNodes({ nodes: 1, dataDir, env }, log);
    await assert.rejects(
      startEngine(node),
      new RegExp(
        `^Error: opensearch-1 exited with 1 before it was ready; [^]*BindHttpException\\[Failed to bind to 127\\.0\\.0\\.1:${env.OPENSEARCH_1_PORT}\\]`,
      ),
    );
  } finally {
    taken.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

const run = promisify(execFile);

/** `npm run fetch:engines` with this PATH: its exit code and what it printed. */
async function fetchEngines(path: string): Promise<{ code: number; output: string }> {
  const result = await run(process.execPath, ['scripts/fetch-engines.ts'], {
    cwd: repoRoot,
    env: { ...process.env, PATH: path },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      output: error.stdout + error.stderr,
    }),
  );
  return result;
}

test('without Java, fetching the engines says so in one plain sentence', async () => {
  const { code, output } = await fetchEngines(dirname(process.execPath));
  assert.equal(code, 1);
  assert.equal(
    output,
    'OpenSearch and Kafka run on Java, and `java` was not found: install a Java runtime, 17 or later (Debian: `apt-get install openjdk-17-jre-headless`).\n',
  );
});

test('with a Java older than 17, fetching the engines names its version', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'hello-trace-java11-'));
  try {
    // What Java 11 prints for `java -XshowSettings:properties -version`, in short.
    const java = join(folder, 'java');
    await writeFile(
      java,
      `#!/bin/sh\necho '    java.home = /usr/lib/jvm/java-11\n    java.specification.version = 11' >&2\n`,
    );
    await chmod(java, 0o755);
    const { code, output } = await fetchEngines(`${folder}:${dirname(process.execPath)}`);
    assert.equal(code, 1);
    assert.match(output, /^OpenSearch and Kafka need Java 17 or later, and the `java` on PATH is Java 11: install/);
    assert.equal(output.trim().split('\n').length, 1, output);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
