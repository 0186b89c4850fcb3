import type { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * Sends every ended span (`sdk.shutdown()`) before the process ends. An app that handles SIGTERM
 * and SIGINT itself, to drain its requests, ends by itself: the spans go once nothing is left to
 * run (`beforeExit`). In an app without a handler of its own, the signal sends them at once, then
 * ends the process as it would have without this. `onSignal` runs first, on either signal.
 * `process.exit()` skips all of this: spans still queued are lost.
 */
export function flushOnExit(sdk: NodeSDK, { onSignal }: { onSignal?: () => void } = {}): void {
  const flush = () =>
    sdk.shutdown().catch((error: unknown) => {
      console.error(
        `OpenTelemetry: the last spans were lost: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      onSignal?.();
      // This listener is gone (once): with no other, raising the signal again ends the process with it.
      if (process.listenerCount(signal) === 0) void flush().then(() => process.kill(process.pid, signal));
    });
  }
  process.once('beforeExit', () => void flush());
}
