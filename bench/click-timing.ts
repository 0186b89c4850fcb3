// From the click on "Say hello" until Jaeger holds the complete trace, cut where the time goes: until
// the click span ends, until the page sends its spans, until Jaeger has them. Used by the click-to-trace
// bench (small stack) and the scale bench (through agents, gateways, Kafka and OpenSearch).
import type { Page } from 'playwright-core';
import { HELLO_SPANS } from '@hello-trace/harness/testing/hello-trace';
import { clickSayHello } from '@hello-trace/harness/testing/page';
import { traceFromJaeger } from '@hello-trace/harness/testing/pipeline';

/** One click's time, cut where its spans end; the parts add up to the total. */
export interface Click {
  totalMs: number;
  /** From the click until the page has the answer (the StartRequests span ends). */
  answerMs: number;
  /** Until the page sends the trace's spans: the fetch span ends 300 ms after the answer, then the page's batching. */
  pageExportMs: number;
  /** Until Jaeger has the whole trace: the pipeline's batches, its hops, the store's write, the 20 ms poll. */
  deliveryMs: number;
}

/** Clicks once to warm up, then `clicks` times, each time waiting (up to `timeoutMs`) until Jaeger has the trace. */
export async function timeClicks(tab: Page, jaegerUrl: string, clicks: number, timeoutMs = 30_000): Promise<Click[]> {
  // When the page sends spans to its own origin's relay (or the collector).
  const exportsAt: number[] = [];
  tab.on('request', (request) => {
    if (request.url().endsWith('/v1/traces') && request.method() === 'POST') exportsAt.push(Date.now());
  });
  const timed: Click[] = [];
  for (let click = 0; click <= clicks; click++) {
    await randomPause();
    const clickedAt = Date.now();
    const traceId = await clickSayHello(tab);
    const spans = await traceFromJaeger(jaegerUrl, traceId, HELLO_SPANS, {
      pollMs: 20,
      timeoutMs,
      retryServerErrors: true,
    });
    const doneAt = Date.now();
    const answeredAt = spans.find((span) => span.service === 'hello-web' && span.name === 'StartRequests')!.endUnixMs;
    // The page's export that completed the trace: its last one before Jaeger had it.
    const exportedAt = exportsAt.findLast((at) => at <= doneAt) ?? doneAt;
    if (click > 0) {
      timed.push({
        totalMs: doneAt - clickedAt,
        answerMs: answeredAt - clickedAt,
        pageExportMs: exportedAt - answeredAt,
        deliveryMs: doneAt - exportedAt,
      });
    }
  }
  return timed;
}

/**
 * Waits 0 to 1 s, at random. Clicking the moment the last trace was found would click at the same point
 * of every 1 s cycle downstream (the gateways' decision tick, OpenSearch's refresh), and measure one
 * phase of them every time instead of all.
 */
export function randomPause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
