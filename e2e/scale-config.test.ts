// The scale path's configs (scale/), checked without running them: what they share with the small
// stack or with each other stays identical, so that no copy drifts from the others. That each uses
// exactly the components it defines and passes its binary's validate, deploy-config.test.ts checks.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '@hello-trace/harness/testing/processes';

interface Config {
  receivers: Record<string, unknown>;
  processors?: Record<string, unknown>;
  exporters: Record<string, unknown>;
  extensions: Record<string, unknown>;
  service: {
    extensions: string[];
    pipelines: Record<string, Partial<Record<'receivers' | 'processors' | 'exporters', string[]>>>;
  };
}

const read = async (file: string) => parse(await readFile(join(repoRoot, file), 'utf8')) as Config;

test("the browser agent takes the page's spans as the small stack's collector does: same receiver, same processors", async () => {
  const small = await read('otel-collector-config.yaml');
  const agent = await read('scale/agent-browser.yaml');
  assert.deepEqual(agent.receivers['otlp/browser'], small.receivers['otlp/browser']);
  assert.deepEqual(agent.processors, small.processors);
  assert.deepEqual(
    agent.service.pipelines['traces/browser'].processors,
    small.service.pipelines['traces/browser'].processors,
  );
});

test("the server agent takes the servers' spans as the small stack's collector does", async () => {
  const small = await read('otel-collector-config.yaml');
  const agent = await read('scale/agent-server.yaml');
  assert.deepEqual(agent.receivers.otlp, small.receivers.otlp);
  for (const name of ['memory_limiter', 'transform/storable']) {
    assert.deepEqual(agent.processors?.[name], small.processors?.[name], name);
  }
  assert.deepEqual(agent.service.pipelines.traces.processors, small.service.pipelines.traces.processors);
});

test('both agents route to the gateways alike: one load_balancing exporter, by trace id', async () => {
  const browser = await read('scale/agent-browser.yaml');
  const server = await read('scale/agent-server.yaml');
  assert.deepEqual(browser.exporters, server.exporters);
  assert.equal((browser.exporters.load_balancing as { routing_key: string }).routing_key, 'traceID');
});

/** The OpenSearch backend of a Jaeger config's jaeger_storage extension. */
const openSearchBackend = async (file: string) =>
  (
    (await read(file)).extensions.jaeger_storage as {
      backends: { opensearch: { opensearch: Record<string, unknown> } };
    }
  ).backends.opensearch.opensearch;

test('the ingester writes where the query reads: the same OpenSearch backend', async () => {
  const written = await openSearchBackend('scale/ingester.yaml');
  // How the ingester batches its writes is its own.
  delete written.bulk_processing;
  assert.deepEqual(written, await openSearchBackend('scale/query.yaml'));
});

test('the gateways write the topic and encoding that the ingester reads', async () => {
  const gateway = await read('scale/gateway.yaml');
  const ingester = await read('scale/ingester.yaml');
  const { brokers, traces } = gateway.exporters.kafka as { brokers: string[]; traces: unknown };
  const receiver = ingester.receivers.kafka as { brokers: string[]; traces: unknown };
  assert.deepEqual(receiver.brokers, brokers);
  assert.deepEqual(receiver.traces, traces);
  assert.deepEqual(traces, { topic: 'jaeger-spans', encoding: 'otlp_proto' });
});
