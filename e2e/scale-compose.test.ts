// The scale path's compose file, `docker compose --env-file .env -f scale/docker-compose.yml up
// --build`, on the machine's Docker engine: its configs from scale/ and collector/, the app's services
// from compose/app.yml, the project's Dockerfiles, and local stand-ins for its base images
// (harness/standins/scale-standin-images.ts, passed by the overlay scale-compose.standins.yml beside it). Chromium clicks "Say hello" and "failing" on the page as a
// user would; each trace goes agent → gateway (tail sampling) → Kafka → ingester → OpenSearch, and
// the test reads it back from Jaeger's query API and from OpenSearch itself.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ComposeProject, requireDockerAndCompose, run, SCALE_PATH_FILES } from '@hello-trace/harness/standins/compose';
import { assertHelloTrace, HELLO_SPANS, only } from '@hello-trace/harness/testing/hello-trace';
import { StatusCode, type ReceivedSpan } from '@hello-trace/harness/testing/otlp-receiver';
import { clickSayHello, launchChromium, waitForWaterfall } from '@hello-trace/harness/testing/page';
import { traceFromJaeger } from '@hello-trace/harness/testing/pipeline';
import { freeAddresses } from '@hello-trace/harness/testing/processes';
import { ensureScaleStandinImages } from '@hello-trace/harness/standins/scale-standin-images';

// Every port of .env moved to a free one, as a user would override it: the compose file publishes
// three, and its services listen on the rest inside the network.
const ports = await freeAddresses();
const PAGE = `http://localhost:${ports.PAGE_PORT}`;
const SERVER = `http://localhost:${ports.SERVER_PORT}`;
const JAEGER = `http://localhost:${ports.JAEGER_UI_PORT}`;
// Tail sampling decides a trace 10 s after its first span; then Kafka, the ingester and OpenSearch's refresh.
const STORED_WITHIN_MS = 90_000;

let project: ComposeProject | undefined;
let browser: Browser | undefined;
let tab: Page;

const log = (line: string) => console.log(`# ${line}`);
const since = (start: number) => `${((Date.now() - start) / 1000).toFixed(1)} s`;

/** Opens the page, chooses the scenario and clicks "Say hello"; returns the click's trace id. */
async function click(scenario: 'normal' | 'failing'): Promise<string> {
  await tab.goto(PAGE);
  await tab.getByLabel('Scenario').selectOption(scenario);
  return clickSayHello(tab);
}

before(
  async () => {
    await requireDockerAndCompose();
    let start = Date.now();
    const images = await ensureScaleStandinImages(log);
    log(`stand-in images ready in ${since(start)}: ${Object.values(images).join(', ')}`);
    project = new ComposeProject(`hello-trace-scale-e2e-${process.pid}`, { ...images, ...ports }, SCALE_PATH_FILES);
    await project.requireFreeHostPorts();
    start = Date.now();
    await project.compose('up', '--build', '--detach').catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await project!.logs()}`);
    });
    log(`docker compose up --build --detach took ${since(start)}`);
    start = Date.now();
    await project.waitUntilHealthy(240_000);
    log(`every service healthy ${since(start)} later`);
    browser = await launchChromium();
    tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  },
  { timeout: 30 * 60_000 },
);

after(
  async () => {
    await browser?.close();
    await project?.remove();
  },
  { timeout: 120_000 },
);

/** A request to OpenSearch's REST API from inside the first node's container (OpenSearch publishes no port). */
async function opensearch<T>(path: string, method = 'GET'): Promise<T> {
  return JSON.parse(
    await project!.compose(
      'exec',
      '-T',
      'opensearch-1',
      'curl',
      '-fsS',
      '-X',
      method,
      `http://localhost:${ports.OPENSEARCH_1_PORT}${path}`,
    ),
  ) as T;
}

test('every service with a healthcheck becomes healthy; OpenSearch is one cluster of three nodes', async () => {
  const containers = await project!.waitUntilHealthy(60_000);
  // The collectors' image (agents, gateways) is distroless, with no program to run a check; opensearch
  // only holds the nodes' network; queue-volumes has handed the collectors their volumes and exited.
  assert.deepEqual(
    containers
      .filter((c) => c.Health === '')
      .map((c) => c.Service)
      .toSorted(),
    ['agent-browser', 'agent-server', 'gateway-1', 'gateway-2', 'opensearch', 'queue-volumes'],
  );
  assert.equal(containers.length, 15, containers.map((c) => c.Service).join(', '));
  const nodes = await opensearch<{ name: string }[]>('/_cat/nodes?format=json&h=name');
  assert.deepEqual(nodes.map((node) => node.name).toSorted(), ['opensearch-1', 'opensearch-2', 'opensearch-3']);
});

test('Say hello: Jaeger and OpenSearch hold the whole trace, and the page draws it', { timeout: 180_000 }, async () => {
  const traceId = await click('normal');
  assert.equal(await tab.getByTestId('answer').textContent(), 'hello:GoFrame');
  const spans = await project!.withLogs(() =>
    traceFromJaeger(JAEGER, traceId, HELLO_SPANS, { timeoutMs: STORED_WITHIN_MS }),
  );
  // The page's spans come through the browser agent, the server's through the other one.
  assert.deepEqual(new Set(spans.map((span) => span.service)), new Set(['hello-web', 'hello-server']));
  assertHelloTrace(spans, { url: `${SERVER}/hello`, name: 'GoFrame' });
  await assertSpansInOpenSearch(traceId, spans);
  // The page server's proxy reaches query too.
  await project!.withLogs(() => waitForWaterfall(tab, STORED_WITHIN_MS));
  assert.equal(await tab.getByTestId('span-row').count(), spans.length, 'one bar per span');
});

test('failing: Jaeger and OpenSearch hold the whole trace, errors included', { timeout: 180_000 }, async () => {
  const traceId = await click('failing');
  assert.match((await tab.getByTestId('error').textContent()) ?? '', /answered 500/);
  const spans = await project!.withLogs(() =>
    traceFromJaeger(JAEGER, traceId, HELLO_SPANS, { timeoutMs: STORED_WITHIN_MS }),
  );
  assert.equal(only(spans, 'hello-server', 'HelloHandler').status.code, StatusCode.ERROR);
  assert.equal(only(spans, 'hello-web', 'StartRequests').status.code, StatusCode.ERROR);
  assert.equal(only(spans, 'hello-web', 'GET').attributes['http.response.status_code'], 500);
  await assertSpansInOpenSearch(traceId, spans);
});

/** Span documents as OpenSearch's doc values, the fields Jaeger's span mapping keeps as keywords. */
interface SpanDocuments {
  hits: { hits: { fields: Record<'spanID' | 'operationName' | 'process.serviceName', [string]> }[] };
}

const summary = (spans: { service: string; name: string; spanId: string }[]) =>
  spans.map((span) => `${span.service} ${span.name} ${span.spanId}`).toSorted();

/** Every span Jaeger returned for the trace is a document in OpenSearch's span indices, each shard with a replica on another node. */
async function assertSpansInOpenSearch(traceId: string, spans: ReceivedSpan[]): Promise<void> {
  // Each copy of a shard refreshes on its own clock: the query may have read a fresh primary while
  // the copy this search reaches has not yet made the same spans searchable.
  await opensearch('/jaeger-span-*/_refresh', 'POST');
  const found = await opensearch<SpanDocuments>(
    `/jaeger-span-*/_search?size=1000&q=traceID:${traceId}&_source=false&docvalue_fields=spanID,operationName,process.serviceName`,
  );
  const documents = found.hits.hits.map(({ fields }) => ({
    service: fields['process.serviceName'][0],
    name: fields.operationName[0],
    spanId: fields.spanID[0],
  }));
  assert.deepEqual(summary(documents), summary(spans));
  // Each shard of the span indices has two started copies, a primary and its replica, on two nodes,
  // once the replicas of a new day's index have been copied (green: every copy started).
  // Past 30 s OpenSearch answers 408, and the shards' states below say what is missing.
  await opensearch('/_cluster/health/jaeger-span-*?wait_for_status=green&timeout=30s').catch(() => undefined);
  const shards = await opensearch<{ index: string; shard: string; state: string; node: string }[]>(
    '/_cat/shards/jaeger-span-*?format=json&h=index,shard,state,node',
  );
  const nodesByShard = new Map<string, Set<string>>();
  for (const { index, shard, state, node } of shards) {
    const nodes = nodesByShard.get(`${index}/${shard}`) ?? new Set();
    if (state === 'STARTED') nodes.add(node);
    nodesByShard.set(`${index}/${shard}`, nodes);
  }
  assert.ok(nodesByShard.size > 0, 'no shard of a span index');
  for (const [shard, nodes] of nodesByShard) assert.equal(nodes.size, 2, `${shard}: ${JSON.stringify(shards)}`);
}

test('docker compose down -v leaves no container, network or volume of the project', { timeout: 120_000 }, async () => {
  const volumes = [...(await project!.mountedVolumes()).keys()];
  assert.ok(volumes.length >= 4, `the project's containers mount its volumes: ${volumes.join(', ')}`);
  await project!.remove();
  const label = `label=com.docker.compose.project=${project!.name}`;
  assert.equal(await run('docker', ['ps', '--all', '--quiet', '--filter', label]), '', 'containers left');
  assert.equal(await run('docker', ['network', 'ls', '--quiet', '--filter', label]), '', 'networks left');
  for (const volume of volumes) {
    await assert.rejects(run('docker', ['volume', 'inspect', volume]), `volume ${volume} is left`);
  }
});
