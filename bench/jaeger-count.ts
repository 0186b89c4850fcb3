// Reads traces back through Jaeger's API v3, a few at a time, and counts their spans.
import { toReceivedSpans, type OtlpRequest } from '@hello-trace/harness/testing/otlp-receiver';

/** How many spans Jaeger holds of these traces, and how many traces have all `spansPerTrace`. */
export async function countThroughJaeger(
  jaegerUrl: string,
  traceIds: string[],
  spansPerTrace: number,
  concurrency = 8,
): Promise<{ spans: number; whole: number }> {
  let spans = 0;
  let whole = 0;
  let next = 0;
  const reader = async () => {
    while (next < traceIds.length) {
      const traceId = traceIds[next++];
      const response = await fetch(`${jaegerUrl}/api/v3/traces/${traceId}`);
      if (response.status === 404) {
        await response.body?.cancel();
        continue;
      }
      if (!response.ok)
        throw new Error(`Jaeger answered ${response.status} for trace ${traceId}: ${await response.text()}`);
      const found = new Set(
        toReceivedSpans(((await response.json()) as { result: OtlpRequest }).result).map((span) => span.spanId),
      ).size;
      spans += found;
      if (found === spansPerTrace) whole++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, reader));
  return { spans, whole };
}
