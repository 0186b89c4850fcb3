// What the scale path says when what it needs is not there at start, in plain words naming it, never
// a stack trace: a port that another program holds (start:scale starts nothing), no gateway for an
// agent and no Kafka for a gateway (each starts, keeps the spans, says whom it cannot reach, and
// delivers once it is up), and no OpenSearch for the ingester (it stops with one line naming the
// storage and its address, and the stack says which part exited).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { newSpanId, newTraceId, otlpJson } from '@hello-trace/harness/testing/otlp-json';
import { freeAddresses, repoRoot } from '@hello-trace/harness/testing/processes';
import { sendOtlp } from '@hello-trace/harness/testing/raw-request';
import { startScaleStack, waitUntil, type ScaleStack } from '@hello-trace/harness/testing/scale';

/** What a Go panic, a Java exception or a zap error with its stack would print. */
const STACK_TRACE = /goroutine \d+|panic:|\n\s+at [\w.$]+\(|Exception in thread|"stacktrace"/;

let stack: ScaleStack;

before(async () => {
  stack = await startScaleStack();
});

after(async () => {
  await stack?.stop();
});

/** The lines part `name` printed since `from` (a length of the stack's output). */
const printed = (name: string, from: number) =>
  stack
    .output()
    .slice(from)
    .split('\n')
    .filter((line) => line.startsWith(`[${name}] `))
    .join('\n');

/** Sends `count` one-span traces of a server's to the server agent; returns their ids. */
async function sendServerSpans(count: number): Promise<string[]> {
  const traceIds = Array.from({ length: count }, newTraceId);
  const body = otlpJson(
    'hello-server',
    traceIds.map((traceId) => ({ traceId, spanId: newSpanId(), name: 'GET /hello' })),
  );
  const answer = await sendOtlp(stack.serverAgentUrl, { body });
  assert.equal(answer.status, 200, answer.body);
  return traceIds;
}

test('a port another program holds: start:scale names its variable in one line and starts nothing', async () => {
  const ports = await freeAddresses();
  const holders = await Promise.all(
    ['KAFKA_PORT', 'GATEWAY_2_OTLP_PORT'].map(async (name) => {
      const holder = createServer().listen(Number(ports[name]), '127.0.0.1');
      await once(holder, 'listening');
      return holder;
    }),
  );
  try {
    const child = spawn('npm', ['run', 'start:scale', '--silent'], {
      cwd: repoRoot,
      env: { ...process.env, ...ports, OPENSEARCH_NODES: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1, output);
    assert.equal(
      output,
      `[start:scale] Another program listens on GATEWAY_2_OTLP_PORT (${ports.GATEWAY_2_OTLP_PORT}), KAFKA_PORT (${ports.KAFKA_PORT}): stop it (another npm run start:scale, or npm start?), or move the part to a free port with its variable, e.g. GATEWAY_2_OTLP_PORT=<port> npm run start:scale.\n`,
    );
  } finally {
    for (const holder of holders) holder.close();
  }
});

test(
  'no gateway up: the agent starts, takes the spans, says which gateway it cannot reach and that it tries again, and delivers once they are up',
  { timeout: 120_000 },
  async () => {
    await stack.stopPart('server-agent');
    await stack.stopPart('gateway-1');
    await stack.stopPart('gateway-2');
    const from = stack.output().length;
    await stack.startPart('server-agent');
    const traceIds = await sendServerSpans(20);

    const gateways = [stack.env.GATEWAY_1_OTLP_PORT, stack.env.GATEWAY_2_OTLP_PORT].map((port) => `localhost:${port}`);
    const retrying = (gateway: string) =>
      printed('server-agent', from)
        .split('\n')
        .some((line) => line.includes('Exporting failed. Will retry') && line.includes(`"endpoint": "${gateway}"`));
    await waitUntil(
      'the agent says it cannot reach a gateway and tries again',
      async () => gateways.some(retrying),
      30_000,
    );
    assert.match(printed('server-agent', from), /connect: connection refused/);
    assert.doesNotMatch(printed('server-agent', from), STACK_TRACE);

    await stack.startPart('gateway-1');
    await stack.startPart('gateway-2');
    const received = async () =>
      (await stack.counter('gateway-1', 'otelcol_receiver_accepted_spans')) +
      (await stack.counter('gateway-2', 'otelcol_receiver_accepted_spans'));
    await waitUntil(
      'the gateways received every span the agent kept',
      async () => (await received()) === traceIds.length,
      60_000,
    );
  },
);

test(
  'no Kafka up: a gateway starts, takes the spans, names the broker it cannot reach, and delivers once Kafka is up',
  { timeout: 180_000 },
  async () => {
    // Stopped while Kafka is up, so that their queues are empty; then started without it.
    await stack.stopPart('gateway-1');
    await stack.stopPart('gateway-2');
    await stack.stopPart('kafka');
    const from = stack.output().length;
    await stack.startPart('gateway-1');
    await stack.startPart('gateway-2');
    const traceIds = await sendServerSpans(20);

    const broker = `localhost:${stack.env.KAFKA_PORT}`;
    const gatewaysSaid = () => printed('gateway-1', from) + printed('gateway-2', from);
    // Tail sampling holds each trace until soon after its root span before the gateway sends it to Kafka.
    await waitUntil(
      'a gateway names the broker it cannot reach',
      async () => gatewaysSaid().includes(broker) && /connection refused/.test(gatewaysSaid()),
      60_000,
    );
    assert.doesNotMatch(gatewaysSaid(), STACK_TRACE);

    await stack.startPart('kafka');
    await waitUntil(
      'every trace is in Jaeger',
      async () => (await Promise.all(traceIds.map((id) => stack.traceSpans(id)))).every((spans) => spans.length === 1),
      90_000,
    );
  },
);

test(
  'no OpenSearch up: the ingester stops with one plain line naming the storage and its address, and the stack says so',
  { timeout: 120_000 },
  async () => {
    await stack.stopPart('ingester');
    await stack.stopPart('opensearch-1');
    const from = stack.output().length;
    await assert.rejects(stack.startPart('ingester'), {
      message: 'ingester exited with code 1; stopping the rest.',
    });
    const said = printed('ingester', from);
    // Jaeger names one of the nodes it tried.
    const nodes = [1, 2, 3].map((n) => stack.env[`OPENSEARCH_${n}_PORT`]).join('|');
    assert.match(
      said,
      new RegExp(
        `Error: failed to start extensions: failed to initialize storage 'opensearch': .*http://localhost:(${nodes}).*no Elasticsearch node available`,
      ),
    );
    assert.doesNotMatch(said, STACK_TRACE);
    assert.match(stack.output().slice(from), /\[scale\] stopped\n/);
  },
);
