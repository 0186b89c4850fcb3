// The real collector (with the project's otel-collector-config.yaml) and the real Jaeger (with
// jaeger-config.yaml), built from Go modules, moved to free loopback ports with `--set`.
import { join } from 'node:path';
import { ensureNativeBinaries } from '../../scripts/native.ts';
import { toReceivedSpans, type OtlpRequest, type ReceivedSpan } from './otlp-receiver.ts';
import { freePort } from './page.ts';
import { onCore, repoRoot, startProcess, type RunningProcess } from './processes.ts';

const READY = /Everything is ready/;
const at = (port: number) => `127.0.0.1:${port}`;

async function freePorts<Name extends string>(names: readonly Name[]): Promise<Record<Name, number>> {
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await freePort()] as const))) as Record<Name, number>;
}

function startNative(binary: string, args: string[], env: Record<string, string>, cpu?: string): Promise<RunningProcess> {
  return startProcess(...onCore(cpu, binary, args), { cwd: repoRoot, env, readyPattern: READY });
}

const COLLECTOR_PORTS = ['grpc', 'http', 'health', 'metrics'] as const;
export type CollectorPorts = Record<(typeof COLLECTOR_PORTS)[number], number>;

export interface Collector {
  /** OTLP/HTTP base URL. */
  url: string;
  /** Kept, so that a restarted collector listens where the old one did. */
  ports: CollectorPorts;
  process: RunningProcess;
  /** Spans the collector accepted, from its own metrics (`otelcol_receiver_accepted_spans`). */
  acceptedSpans(): Promise<number>;
  stop(): Promise<number | null>;
}

export interface CollectorOptions {
  /** The page's origin, which the collector's CORS allows. */
  pageOrigin?: string;
  /** Jaeger's OTLP/HTTP base URL; without it, spans go to the `debug` exporter only. */
  jaegerOtlp?: string;
  ports?: CollectorPorts;
  cpu?: string;
}

export async function startCollector({ pageOrigin = 'http://localhost:5173', jaegerOtlp, ports, cpu }: CollectorOptions = {}): Promise<Collector> {
  const { otelcol } = await ensureNativeBinaries((line) => console.log(`# ${line}`));
  const open = ports ?? (await freePorts(COLLECTOR_PORTS));
  const running = await startNative(
    otelcol,
    [
      '--config', join(repoRoot, 'otel-collector-config.yaml'),
      `--set=receivers::otlp::protocols::grpc::endpoint=${at(open.grpc)}`,
      `--set=receivers::otlp::protocols::http::endpoint=${at(open.http)}`,
      `--set=extensions::health_check::endpoint=${at(open.health)}`,
      `--set=service::telemetry::metrics::readers=[{pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${open.metrics}}}}}]`,
      ...(jaegerOtlp ? [] : ['--set=service::pipelines::traces::exporters=[debug]']),
    ],
    { OTEL_COLLECTOR_CORS_ORIGIN: pageOrigin, ...(jaegerOtlp ? { JAEGER_OTLP_ENDPOINT: jaegerOtlp } : {}) },
    cpu,
  );
  return {
    url: `http://${at(open.http)}`,
    ports: open,
    process: running,
    async acceptedSpans() {
      const metrics = await (await fetch(`http://${at(open.metrics)}/metrics`)).text();
      const counters = metrics.matchAll(/^otelcol_receiver_accepted_spans(?:_total)?(?:\{[^}]*\})? (\S+)$/gm);
      return [...counters].reduce((sum, [, value]) => sum + Number(value), 0);
    },
    stop: () => running.stop(),
  };
}

const JAEGER_PORTS = ['http', 'query', 'queryGrpc', 'health'] as const;
export type JaegerPorts = Record<(typeof JAEGER_PORTS)[number], number>;

export interface Jaeger {
  /** Query API and UI. */
  url: string;
  /** OTLP/HTTP base URL, for the collector. */
  otlp: string;
  /** Kept, so that a restarted Jaeger listens where the old one did. */
  ports: JaegerPorts;
  process: RunningProcess;
  stop(): Promise<number | null>;
}

/** Jaeger keeping its traces in `dataDir` (a folder of its own: Badger locks it), or in a temporary folder. */
export async function startJaeger({ dataDir, ports }: { dataDir?: string; ports?: JaegerPorts } = {}): Promise<Jaeger> {
  const { jaeger } = await ensureNativeBinaries((line) => console.log(`# ${line}`));
  const open = ports ?? (await freePorts(JAEGER_PORTS));
  const running = await startNative(
    jaeger,
    [
      '--config', join(repoRoot, 'jaeger-config.yaml'),
      `--set=receivers::otlp::protocols::http::endpoint=${at(open.http)}`,
      `--set=extensions::jaeger_query::http::endpoint=${at(open.query)}`,
      `--set=extensions::jaeger_query::grpc::endpoint=${at(open.queryGrpc)}`,
      `--set=extensions::healthcheckv2::http::endpoint=${at(open.health)}`,
      '--set=service::telemetry::metrics::level=none',
    ],
    dataDir ? { JAEGER_DATA_DIR: dataDir } : { JAEGER_EPHEMERAL: 'true' },
  );
  return { url: `http://${at(open.query)}`, otlp: `http://${at(open.http)}`, ports: open, process: running, stop: () => running.stop() };
}

export interface Pipeline {
  /** Replace it when the test restarts the collector, so that stop() stops the new one. */
  collector: Collector;
  jaeger: Jaeger;
  stop(): Promise<void>;
}

/** Jaeger, then the collector in front of it, as `npm start` runs them. */
export async function startPipeline(pageOrigin: string): Promise<Pipeline> {
  const jaeger = await startJaeger();
  try {
    const pipeline: Pipeline = {
      collector: await startCollector({ pageOrigin, jaegerOtlp: jaeger.otlp }),
      jaeger,
      async stop() {
        await pipeline.collector.stop();
        await jaeger.stop();
      },
    };
    return pipeline;
  } catch (error) {
    await jaeger.stop();
    throw error;
  }
}

/** Polls Jaeger's API v3 until the trace holds a span of every one of `names`; returns its spans. */
export async function traceFromJaeger(
  jaegerUrl: string,
  traceId: string,
  names: string[],
  { timeoutMs = 30_000, pollMs = 250 } = {},
): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: ReceivedSpan[] = [];
  while (Date.now() < deadline) {
    const response = await fetch(`${jaegerUrl}/api/v3/traces/${traceId}`);
    if (response.ok) {
      spans = toReceivedSpans(((await response.json()) as { result: OtlpRequest }).result);
      if (names.every((name) => spans.some((span) => span.name === name))) return spans;
    } else if (response.status !== 404) {
      throw new Error(`Jaeger answered ${response.status}: ${await response.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`Jaeger still lacks spans of trace ${traceId} after ${timeoutMs} ms; it has [${spans.map((s) => `${s.service}: ${s.name}`).join(', ')}]`);
}
