// Sends the page's spans the moment the last open span of a trace ends, instead of after the batch
// delay: a click's trace leaves the page as soon as its fetch span ends, one request a click.
import { diag, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-web';

/** Passes every span on to `batch`, and flushes it when a trace has no open span left in the page. */
export class SendWhenTraceEnds implements SpanProcessor {
  /** Open spans per trace id; a trace leaves the map when its last one ends. */
  readonly #open = new Map<string, number>();

  readonly #batch: SpanProcessor;

  constructor(batch: SpanProcessor) {
    this.#batch = batch;
  }

  onStart(span: Span, parentContext: Context): void {
    const { traceId } = span.spanContext();
    this.#open.set(traceId, (this.#open.get(traceId) ?? 0) + 1);
    this.#batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.#batch.onEnd(span);
    const { traceId } = span.spanContext();
    const open = (this.#open.get(traceId) ?? 1) - 1;
    if (open > 0) {
      this.#open.set(traceId, open);
      return;
    }
    this.#open.delete(traceId);
    this.#batch.forceFlush().catch((error: unknown) => diag.error('Sending the ended trace failed', error));
  }

  forceFlush(): Promise<void> {
    return this.#batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#batch.shutdown();
  }
}
