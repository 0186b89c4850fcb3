// The real collector (with the project's otel-collector-config.yaml) and the real Jaeger (with
// jaeger-config.yaml), built from Go modules, moved to free loopback ports with `--set`.
import { join } from 'node:path';
import { ensureNativeBinaries } from '../../scripts/native.ts';
import { toReceivedSpans, type OtlpRequest, type ReceivedSpan } from './otlp-receiver.ts';
import { freePort } from './page.ts';
import { repoRoot, startProcess, type RunningProcess } from './processes.ts';

export interface Pipeline {
  /** OTLP/HTTP base URL of the collector. */
  collectorUrl: string;
  /** Jaeger's query API and UI. */
  jaegerUrl: string;
  collector: RunningProcess;
  jaeger: RunningProcess;
  stop(): Promise<void>;
}

const READY = /Everything is ready/;
const at = (port: number) => `127.0.0.1:${port}`;

export async function startPipeline(pageOrigin: string): Promise<Pipeline> {
  const binaries = await ensureNativeBinaries((line) => console.log(`# ${line}`));
  const ports = Object.fromEntries(
    await Promise.all(
      ['jaegerGrpc', 'jaegerHttp', 'jaegerQuery', 'jaegerQueryGrpc', 'jaegerHealth', 'grpc', 'http', 'health'].map(
        async (name) => [name, await freePort()] as const,
      ),
    ),
  );
  const noMetrics = '--set=service::telemetry::metrics::level=none';

  const jaeger = await startProcess(
    binaries.jaeger,
    [
      '--config', join(repoRoot, 'jaeger-config.yaml'),
      `--set=receivers::otlp::protocols::grpc::endpoint=${at(ports.jaegerGrpc)}`,
      `--set=receivers::otlp::protocols::http::endpoint=${at(ports.jaegerHttp)}`,
      `--set=extensions::jaeger_query::http::endpoint=${at(ports.jaegerQuery)}`,
      `--set=extensions::jaeger_query::grpc::endpoint=${at(ports.jaegerQueryGrpc)}`,
      `--set=extensions::healthcheckv2::http::endpoint=${at(ports.jaegerHealth)}`,
      noMetrics,
    ],
    { cwd: repoRoot, readyPattern: READY },
  );
  try {
    const collector = await startProcess(
      binaries.otelcol,
      [
        '--config', join(repoRoot, 'otel-collector-config.yaml'),
        `--set=receivers::otlp::protocols::grpc::endpoint=${at(ports.grpc)}`,
        `--set=receivers::otlp::protocols::http::endpoint=${at(ports.http)}`,
        `--set=extensions::health_check::endpoint=${at(ports.health)}`,
        noMetrics,
      ],
      {
        cwd: repoRoot,
        env: { OTEL_COLLECTOR_CORS_ORIGIN: pageOrigin, JAEGER_OTLP_GRPC_ENDPOINT: at(ports.jaegerGrpc) },
        readyPattern: READY,
      },
    );
    return {
      collectorUrl: `http://${at(ports.http)}`,
      jaegerUrl: `http://${at(ports.jaegerQuery)}`,
      collector,
      jaeger,
      async stop() {
        await collector.stop();
        await jaeger.stop();
      },
    };
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
