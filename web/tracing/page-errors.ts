// Errors that nothing caught (window's `error` and `unhandledrejection`), each as a `pageError` span
// with an `exception` event and status ERROR; the session span processor adds session.id. Written
// here rather than taken from instrumentation-web-exception 0.15, which emits log records (this
// pipeline carries traces only, so they would be dropped) and brings a second copy of
// @opentelemetry/instrumentation.
import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
} from '@opentelemetry/semantic-conventions';
import type { Scrub } from './scrub-urls.ts';

const tracer = trace.getTracer('page-errors');

/**
 * At most `burst` errors at once and one more every `refillMs` after that (10, then 10 a minute):
 * a loop that throws does not flood the collector. Counts what it refuses, for the next error sent.
 */
export class ErrorBudget {
  readonly #burst: number;
  readonly #refillMs: number;
  #tokens: number;
  #refilledAt = Date.now();
  #dropped = 0;

  constructor(burst = 10, refillMs = 6_000) {
    this.#burst = burst;
    this.#refillMs = refillMs;
    this.#tokens = burst;
  }

  /** The number of errors dropped since the last one sent, when this one may be sent; otherwise undefined. */
  take(): number | undefined {
    const refills = Math.floor((Date.now() - this.#refilledAt) / this.#refillMs);
    if (refills > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + refills);
      this.#refilledAt += refills * this.#refillMs;
    }
    if (this.#tokens === 0) {
      this.#dropped++;
      return undefined;
    }
    this.#tokens--;
    const dropped = this.#dropped;
    this.#dropped = 0;
    return dropped;
  }
}

/** Records every uncaught error and unhandled rejection of this window as a span, within the budget. */
export function tracePageErrors(scrub: Scrub, budget = new ErrorBudget()): void {
  const record = (thrown: unknown, event: string) => {
    const dropped = budget.take();
    if (dropped === undefined) return;
    const exception = describe(thrown, scrub);
    const span = tracer.startSpan('pageError', {
      attributes: { 'app.error.event': event, ...(dropped > 0 ? { 'app.errors.dropped': dropped } : {}) },
    });
    span.addEvent('exception', exception);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: `${exception[ATTR_EXCEPTION_TYPE]}: ${exception[ATTR_EXCEPTION_MESSAGE]}`,
    });
    span.end();
  };
  // A script from another origin without CORS gives only the message "Script error." and no error.
  window.addEventListener('error', (event) => record(event.error ?? event.message, 'error'));
  window.addEventListener('unhandledrejection', (event) => record(event.reason, 'unhandledrejection'));
}

/**
 * The semantic conventions' exception attributes of whatever was thrown: an Error, or any value. Its
 * message and stack trace are scrubbed (scrub-urls.ts): either may name the page's URL with its query,
 * or a script's URL with the credentials of the page's address.
 */
export function describe(thrown: unknown, scrub: Scrub): Attributes {
  if (thrown instanceof Error) {
    return {
      [ATTR_EXCEPTION_TYPE]: thrown.name,
      [ATTR_EXCEPTION_MESSAGE]: scrub(thrown.message),
      ...(thrown.stack ? { [ATTR_EXCEPTION_STACKTRACE]: scrub(thrown.stack) } : {}),
    };
  }
  return {
    [ATTR_EXCEPTION_TYPE]: thrown === null ? 'null' : typeof thrown,
    [ATTR_EXCEPTION_MESSAGE]: scrub(text(thrown)),
  };
}

function text(value: unknown): string {
  try {
    const written = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    return written ?? Object.prototype.toString.call(value);
  } catch {
    // An object that cannot be written out (a cycle, a throwing toJSON).
    return Object.prototype.toString.call(value);
  }
}
