// The real collector (with the project's collector/shared.yaml and otel-collector-config.yaml) and the
// real Jaeger (with jaeger-config.yaml), built from Go modules, with .env's settings, moved to free
// loopback ports, each keeping its data in a folder of the test's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configArgs } from '../config-layers.ts';
import { ensureNativeBinaries } from '../native.ts';
import { stackEnv } from '../ports.ts';
import { metricSum } from './metrics.ts';
import { toReceivedSpans, type OtlpRequest, type ReceivedSpan } from './otlp-receiver.ts';
import { freePort, onCore, repoRoot, startProcess, type RunningProcess } from './processes.ts';

const READY = /Everything is ready/;
const at = (port: number) => `127.0.0.1:${port}`;

async function freePorts<Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await freePort()] as const))) as Record<
    Name,
    number
  >;
}

function startNative(
  binary: string,
  args: string[],
  env: Record<string, string>,
  cpu?: string,
): Promise<RunningProcess> {
  return startProcess(...onCore(cpu, binary, args), { cwd: repoRoot, env, readyPattern: READY });
}

const COLLECTOR_PORTS = ['grpc', 'http', 'browser', 'health', 'metrics'] as const;
export type CollectorPorts = Record<(typeof COLLECTOR_PORTS)[number], number>;

export interface Collector {
  /** OTLP/HTTP base URL of the server's receiver. */
  url: string;
  /** OTLP/HTTP base URL of the page's receiver, the one with CORS. */
  browserUrl: string;
  /** The collector's own metrics, in Prometheus' text format. */
  metricsUrl: string;
  /** Its process, to read its memory. */
  process: RunningProcess;
  /** Kept, so that a restarted collector listens where the old one did. */
  ports: CollectorPorts;
  /** Spans the collector accepted, from its own metrics (`otelcol_receiver_accepted_spans`). */
  acceptedSpans(): Promise<number>;
  /**
   * The same count once it has not changed for 1.5 s and has reached `atLeast` (within 20 s): what
   * the senders had batched has arrived.
   */
  settledSpans(atLeast?: number): Promise<number>;
  stop(): Promise<number | null>;
}

export interface CollectorOptions {
  /** The page's port: the collector's CORS allows that origin; .env's PAGE_PORT by default. */
  pagePort?: number;
  /** Where it sends spans: Jaeger's OTLP/HTTP port on loopback; without one, only to the `debug` exporter. */
  jaegerOtlpPort?: number;
  ports?: CollectorPorts;
  /**
   * Where it keeps its queues (a folder of its own: it locks their files), for a collector started
   * again to find what the one before left; a temporary folder, removed when it stops, by default.
   */
  dataDir?: string;
  cpu?: string;
  /** Added to its command line (more `--config` or `--set`). */
  args?: string[];
}

export async function startCollector({
  pagePort,
  jaegerOtlpPort,
  ports,
  dataDir,
  cpu,
  args = [],
}: CollectorOptions = {}): Promise<Collector> {
  const { otelcol } = await ensureNativeBinaries((line) => console.log(`# ${line}`));
  const open = ports ?? (await freePorts(COLLECTOR_PORTS));
  const temporary = dataDir ? undefined : await mkdtemp(join(tmpdir(), 'hello-trace-collector-'));
  const folder = dataDir ?? temporary!;
  const removeTemporary = () => temporary && rm(temporary, { recursive: true, force: true });
  const running = await startNative(
    otelcol,
    [
      ...configArgs('collector'),
      ...(jaegerOtlpPort ? [] : ['--set=service::pipelines::traces::exporters=[debug]']),
      ...args,
    ],
    {
      ...(await stackEnv({})),
      COLLECTOR_GRPC_PORT: String(open.grpc),
      COLLECTOR_HTTP_PORT: String(open.http),
      COLLECTOR_BROWSER_PORT: String(open.browser),
      COLLECTOR_HEALTH_PORT: String(open.health),
      COLLECTOR_METRICS_PORT: String(open.metrics),
      ...(pagePort ? { PAGE_PORT: String(pagePort) } : {}),
      JAEGER_OTLP_PORT: String(jaegerOtlpPort ?? 0),
      COLLECTOR_DATA_DIR: folder,
    },
    cpu,
  ).catch(async (error: unknown) => {
    await removeTemporary();
    throw error;
  });
  const metricsUrl = `http://${at(open.metrics)}/metrics`;
  const acceptedSpans = async () => {
    return metricSum(await (await fetch(metricsUrl)).text(), 'otelcol_receiver_accepted_spans');
  };
  return {
    url: `http://${at(open.http)}`,
    browserUrl: `http://${at(open.browser)}`,
    metricsUrl,
    process: running,
    ports: open,
    acceptedSpans,
    async settledSpans(atLeast = 0) {
      let last = await acceptedSpans();
      for (let quiet = 0, waited = 0; (quiet < 3 || last < atLeast) && waited < 20_000; waited += 500) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const now = await acceptedSpans();
        quiet = now === last ? quiet + 1 : 0;
        last = now;
      }
      return last;
    },
    async stop() {
      const code = await running.stop();
      await removeTemporary();
      return code;
    },
  };
}

const JAEGER_PORTS = ['otlp', 'ui', 'grpcQuery', 'health'] as const;
export type JaegerPorts = Record<(typeof JAEGER_PORTS)[number], number>;

export interface Jaeger {
  /** Query API and UI. */
  url: string;
  /** Kept, so that a restarted Jaeger listens where the old one did. */
  ports: JaegerPorts;
  /** Its process, to read its memory. */
  process: RunningProcess;
  stop(): Promise<number | null>;
}

/**
 * Jaeger keeping its traces in `dataDir` (a folder of its own: Badger locks it), or in a temporary folder;
 * `args` adds to its command line (more `--config` or `--set`).
 */
export async function startJaeger({
  dataDir,
  ports,
  args = [],
}: { dataDir?: string; ports?: JaegerPorts; args?: string[] } = {}): Promise<Jaeger> {
  const { jaeger } = await ensureNativeBinaries((line) => console.log(`# ${line}`));
  const open = ports ?? (await freePorts(JAEGER_PORTS));
  const running = await startNative(
    jaeger,
    [...configArgs('jaeger'), '--set=service::telemetry::metrics::level=none', ...args],
    {
      ...(await stackEnv({})),
      JAEGER_OTLP_PORT: String(open.otlp),
      JAEGER_UI_PORT: String(open.ui),
      JAEGER_GRPC_QUERY_PORT: String(open.grpcQuery),
      JAEGER_HEALTH_PORT: String(open.health),
      ...(dataDir ? { JAEGER_DATA_DIR: dataDir } : { JAEGER_EPHEMERAL: 'true' }),
    },
  );
  return { url: `http://${at(open.ui)}`, ports: open, process: running, stop: () => running.stop() };
}

export interface Pipeline {
  /** Replace each when the test restarts it, so that stop() stops the new one. */
  collector: Collector;
  jaeger: Jaeger;
  stop(): Promise<void>;
}

/** Jaeger, then the collector in front of it, as `npm start` runs them. */
export async function startPipeline(pagePort: number): Promise<Pipeline> {
  const jaeger = await startJaeger();
  try {
    const pipeline: Pipeline = {
      collector: await startCollector({ pagePort, jaegerOtlpPort: jaeger.ports.otlp }),
      jaeger,
      async stop() {
        await pipeline.collector.stop();
        await pipeline.jaeger.stop();
      },
    };
    return pipeline;
  } catch (error) {
    await jaeger.stop();
    throw error;
  }
}

const count = (values: string[], value: string) => values.filter((each) => each === value).length;

/**
 * Polls Jaeger's API v3 until the trace holds a span of every one of `names`, as many of each as
 * `names` lists (the page's and the server's CLIENT spans are both `GET`); returns its spans. With
 * `retryServerErrors`, an answer of 500 counts as "not yet": Jaeger 2.12's query fails so (a nil
 * pointer in its clock-skew adjuster) on a trace with a span whose parent it cannot find, as when
 * OpenSearch has made one shard's spans searchable and not yet another's.
 */
export async function traceFromJaeger(
  jaegerUrl: string,
  traceId: string,
  names: string[],
  { timeoutMs = 30_000, pollMs = 250, retryServerErrors = false } = {},
): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: ReceivedSpan[] = [];
  while (Date.now() < deadline) {
    const response = await fetch(`${jaegerUrl}/api/v3/traces/${traceId}`);
    if (response.ok) {
      spans = toReceivedSpans(((await response.json()) as { result: OtlpRequest }).result);
      const stored = spans.map((span) => span.name);
      if (names.every((name) => count(stored, name) >= count(names, name))) return spans;
    } else if (response.status !== 404 && !(retryServerErrors && response.status === 500)) {
      throw new Error(`Jaeger answered ${response.status}: ${await response.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(
    `Jaeger still lacks spans of trace ${traceId} after ${timeoutMs} ms; it has [${spans.map((s) => `${s.service}: ${s.name}`).join(', ')}]`,
  );
}
