import { ExportResultCode, getNumberFromEnv, getStringFromEnv, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { otlpEndpoint } from './otlp-endpoint.ts';

const RETRY_PAUSE_MS = 1_000;

export type PatientExporter = SpanExporter & { stopWaiting(): void };

/**
 * The OTLP exporter that NodeSDK would choose, made patient; undefined when OTEL_TRACES_EXPORTER
 * names another exporter, which NodeSDK then sets up itself.
 *
 * The OTLP exporter retries a failed batch 5 times over about 13 s, then the batch processor drops
 * it. So that a collector away for longer (restarted, upgraded) costs no spans, this tries the
 * batch in flight again until OTEL_BSP_EXPORT_TIMEOUT runs out, while newer spans wait in the
 * processor's bounded queue (OTEL_BSP_MAX_QUEUE_SIZE), which counts and logs what overflows.
 */
export async function patientExporter(): Promise<PatientExporter | undefined> {
  if (!['otlp', undefined].includes(getStringFromEnv('OTEL_TRACES_EXPORTER'))) return undefined;
  const exporter = await otlpExporter();
  // One attempt takes up to the exporter's own timeout, within which it retries.
  const attemptMs =
    getNumberFromEnv('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? getNumberFromEnv('OTEL_EXPORTER_OTLP_TIMEOUT') ?? 10_000;
  const patienceMs = getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT') ?? 30_000;
  let waiting = true;
  let failing = false;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      const giveUpAt = Date.now() + patienceMs;
      const attempt = () =>
        exporter.export(spans, (result) => {
          if (result.code === ExportResultCode.SUCCESS) {
            if (failing) console.error(`OpenTelemetry: the collector at ${otlpEndpoint} accepts spans again.`);
            failing = false;
            done(result);
          } else if (!waiting || Date.now() + RETRY_PAUSE_MS + attemptMs > giveUpAt) {
            done(result);
          } else {
            if (!failing) {
              const reason = result.error?.message ?? 'the export failed';
              console.error(
                `OpenTelemetry: ${reason}. Spans go to ${otlpEndpoint}: is the collector running? ` +
                  'Requests are still served; spans wait (OTEL_BSP_MAX_QUEUE_SIZE) and are sent once it answers.',
              );
            }
            failing = true;
            setTimeout(attempt, RETRY_PAUSE_MS).unref();
          }
        });
      attempt();
    },
    /** On the way out, a batch gets the exporter's own retries only. */
    stopWaiting: () => void (waiting = false),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

/** The OTLP exporter that OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL names, as NodeSDK would choose it. */
async function otlpExporter(): Promise<SpanExporter> {
  const protocol =
    getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf';
  if (protocol === 'grpc') return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  if (protocol === 'http/json')
    return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
}
