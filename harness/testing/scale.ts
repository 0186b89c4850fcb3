// The scale path for a test: the parts `npm run start:scale` runs (harness/scale-stack.ts), run with
// its runner (harness/stack.ts) inside the test's process, on free loopback ports, with its data in a
// temporary folder; one part can be stopped and started again by name.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindUrl } from '../app-parts.ts';
import { openSearchUrls, scaleEnv, scaleParts } from '../scale-stack.ts';
import { createStack } from '../stack.ts';
import { metricSum } from './metrics.ts';
import { toReceivedSpans, type OtlpRequest, type ReceivedSpan } from './otlp-receiver.ts';
import { freeAddresses } from './processes.ts';

export interface ScaleStackOptions {
  /** OpenSearch nodes: 1 (the default) or 3. */
  openSearchNodes?: 1 | 3;
  /** TAIL_SAMPLING_KEEP_PERCENT: the share of normal traces the gateways keep; 100 by default. */
  keepPercent?: number;
  /** What the agents route by: `traceID`, as shipped, or `service`, which splits traces across gateways. */
  routingKey?: 'traceID' | 'service';
  /** Also the greeter, the server and the page server; false by default (the pipeline only). */
  app?: boolean;
  /** More variables for every part. */
  env?: Record<string, string>;
  /**
   * Runs both gateways as this program instead (a bench's Jaeger gateway), with the same variables:
   * GATEWAY_OTLP_PORT, COLLECTOR_HEALTH_PORT (served at `/`), COLLECTOR_METRICS_PORT.
   */
  gateway?: { command: string; args: string[] };
}

/** Parts with metrics of their own in Prometheus' format, and the variable of their port. */
export const METRICS_PORTS = {
  'browser-agent': 'BROWSER_AGENT_METRICS_PORT',
  'server-agent': 'SERVER_AGENT_METRICS_PORT',
  'gateway-1': 'GATEWAY_1_METRICS_PORT',
  'gateway-2': 'GATEWAY_2_METRICS_PORT',
  ingester: 'INGESTER_METRICS_PORT',
  query: 'JAEGER_METRICS_PORT',
} as const;
export type PartWithMetrics = keyof typeof METRICS_PORTS;
export const GATEWAYS = ['gateway-1', 'gateway-2'] as const;

export interface ScaleStack {
  /** Every variable the parts got: the free ports (`env.OPENSEARCH_1_PORT`), the settings. */
  env: Record<string, string>;
  /** OTLP/HTTP base URL of the browser agent (the page's receiver, with CORS). */
  browserAgentUrl: string;
  /** OTLP/HTTP base URL of the server agent. */
  serverAgentUrl: string;
  /** Jaeger's query API, on JAEGER_UI_PORT. */
  queryUrl: string;
  /** One URL per OpenSearch node that runs. */
  openSearchUrls: string[];
  /** With `app`: the page (PAGE_PORT) and the server (SERVER_PORT). */
  pageUrl: string;
  serverUrl: string;
  /** Everything the parts and the runner printed so far, each line prefixed with its part's name. */
  output(): string;
  /** The trace's spans from Jaeger's query API; none while it has none of them. */
  traceSpans(traceId: string): Promise<ReceivedSpan[]>;
  /** How many spans OpenSearch can find (jaeger-span-* indices), refreshed first so that all written count. */
  storedSpanCount(): Promise<number>;
  /** The sum of a counter's (or gauge's) series in a part's own metrics, such as `otelcol_receiver_accepted_spans`. */
  counter(part: PartWithMetrics, metric: string, labels?: Record<string, string>): Promise<number>;
  /** The same, summed over both gateways. */
  onGateways(metric: string, labels?: Record<string, string>): Promise<number>;
  /**
   * SIGTERM (or `signal`: SIGKILL for a crash) to one part's process group (`gateway-2`, `ingester`,
   * `opensearch-2`…); the rest keep running.
   */
  stopPart(name: string, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts a stopped part again and resolves once it is up. */
  startPart(name: string): Promise<void>;
  /** A running part's process id, which is also its process group's. */
  pid(name: string): number | undefined;
  /** Stops every part in reverse order and removes the data. */
  stop(): Promise<void>;
}

/** Polls `condition` every 500 ms until it holds; throws, naming `what`, after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * How long after a trace's root span reaches a gateway it has been decided at the latest: the whole
 * seconds of TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS, which tail_sampling counts, and its 1 s tick.
 */
export function decidedWithinMs(env: Record<string, string>): number {
  return (Math.floor(Number(env.TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS) / 1000) + 1) * 1000;
}

/**
 * The bulk requests the ingester logged as failed, whole or in part, and the requests (span and service
 * writes) in them: each is a write Jaeger's OpenSearch writer gave up on, after Kafka had been told the
 * spans were stored.
 */
export function failedBulkRequests(output: string): { bulks: number; requests: number } {
  const lines = output.split('\n').filter((line) => line.startsWith('[ingester] '));
  const whole = lines.filter((line) => line.includes('could not process bulk request'));
  const parts = lines.filter((line) => line.includes('part of bulk request failed'));
  const requests = whole.reduce((sum, line) => sum + Number(/"request_count": (\d+)/.exec(line)?.[1] ?? 0), 0);
  return { bulks: whole.length + parts.length, requests: requests + parts.length };
}

/** Waits until the gateways have received traces, decided every one of them and emptied their Kafka queues. */
export function waitUntilGatewaysDecided(stack: ScaleStack): Promise<void> {
  return waitUntil('the gateways decided every trace they hold', async () => {
    const seen = await stack.onGateways('otelcol_processor_tail_sampling_new_trace_id_received');
    const decided = await stack.onGateways('otelcol_processor_tail_sampling_global_count_traces_sampled');
    return seen > 0 && decided === seen && (await stack.onGateways('otelcol_exporter_queue_size')) === 0;
  });
}

export async function startScaleStack(options: ScaleStackOptions = {}): Promise<ScaleStack> {
  const { openSearchNodes = 1, keepPercent = 100, routingKey, app = false } = options;
  const env = await scaleEnv({
    ...process.env,
    ...(await freeAddresses()),
    OPENSEARCH_NODES: String(openSearchNodes),
    TAIL_SAMPLING_KEEP_PERCENT: String(keepPercent),
    ...options.env,
  });
  let output = '';
  const log = (line: string) => void (output += `[scale] ${line}\n`);
  const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-scale-test-'));
  const parts = await scaleParts({ env, dataDir, log, app });
  if (options.gateway) {
    for (const gateway of parts.filter((part) => part.name.startsWith('gateway-')))
      Object.assign(gateway, options.gateway);
  }
  if (routingKey) {
    for (const agent of parts.filter((part) => part.name.endsWith('-agent'))) {
      agent.args.push(`--set=exporters::load_balancing::routing_key=${routingKey}`);
    }
  }
  // A part that cannot hand its data on (say, the ingester to an OpenSearch without a shard's
  // copies) would otherwise hold a failed test's teardown for minutes.
  const stack = createStack(parts, { env, log, write: (text) => void (output += text), stopGraceMs: 30_000 });
  // Should the test's process end before stop() (a crash, a cancelled test), its parts end with it.
  const killLeftovers = () => {
    for (const { name } of parts) {
      const pid = stack.pid(name);
      try {
        if (pid) process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', killLeftovers);
  const stop = async () => {
    await stack.stop();
    process.off('exit', killLeftovers);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await stack.start();
  } catch (error) {
    process.off('exit', killLeftovers);
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`the scale stack did not start: ${(error as Error).message}\n${output}`, { cause: error });
  }
  const counter: ScaleStack['counter'] = async (part, metric, labels = {}) => {
    const text = await (await fetch(bindUrl(env, METRICS_PORTS[part], '/metrics'))).text();
    return metricSum(text, metric, (series) =>
      Object.entries(labels).every(([name, wanted]) => series.includes(`${name}="${wanted}"`)),
    );
  };
  return {
    env,
    browserAgentUrl: bindUrl(env, 'COLLECTOR_BROWSER_PORT', ''),
    serverAgentUrl: bindUrl(env, 'COLLECTOR_HTTP_PORT', ''),
    queryUrl: bindUrl(env, 'JAEGER_UI_PORT', ''),
    openSearchUrls: openSearchUrls(env),
    pageUrl: `http://localhost:${env.PAGE_PORT}`,
    serverUrl: `http://localhost:${env.SERVER_PORT}`,
    output: () => output,
    async traceSpans(traceId) {
      const response = await fetch(`${bindUrl(env, 'JAEGER_UI_PORT', '')}/api/v3/traces/${traceId}`);
      if (response.status === 404) return [];
      if (!response.ok) throw new Error(`Jaeger's query answered ${response.status}: ${await response.text()}`);
      return toReceivedSpans(((await response.json()) as { result: OtlpRequest }).result);
    },
    async storedSpanCount() {
      const [openSearch] = openSearchUrls(env);
      await fetch(`${openSearch}/jaeger-span-*/_refresh`, { method: 'POST' });
      const response = await fetch(`${openSearch}/jaeger-span-*/_count`);
      // No index yet (404), or its shards still starting (503): nothing searchable yet.
      if (response.status === 404 || response.status === 503) return 0;
      if (!response.ok) throw new Error(`OpenSearch answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { count: number }).count;
    },
    counter,
    async onGateways(metric, labels) {
      const counts = await Promise.all(GATEWAYS.map((gateway) => counter(gateway, metric, labels)));
      return counts.reduce((sum, count) => sum + count, 0);
    },
    stopPart: (name, signal) => stack.stopPart(name, signal),
    startPart: (name) => stack.startPart(name),
    pid: (name) => stack.pid(name),
    stop,
  };
}
