// How long the page waits for a trace (`GET /api/trace-wait` answers it), from the page server's
// settings: the same built page serves both stacks, and the scale path's gateways hold each trace for
// their tail sampling's decision_wait, then may drop it.
import { readCount, readPercent, readSwitch, type Env } from '@hello-trace/env';
import { DEFAULT_TRACE_WAIT_SECONDS, type TraceWait } from '@hello-trace/page-api';

/**
 * TRACE_WAIT_SECONDS and, with TAIL_SAMPLING=true, the gateways' policy from the same variables
 * scale/gateway.yaml reads, which must then be set (.env holds them); throws an error naming the
 * variable when one is missing or malformed.
 */
export function traceWaitSettings(env: Env = process.env): TraceWait {
  const seconds = readCount(env, 'TRACE_WAIT_SECONDS', DEFAULT_TRACE_WAIT_SECONDS);
  if (!readSwitch(env, 'TAIL_SAMPLING')) return { seconds };
  const tailSampling = {
    decisionWaitSeconds: readCount(env, 'TAIL_SAMPLING_DECISION_WAIT_SECONDS'),
    slowMs: readCount(env, 'TAIL_SAMPLING_SLOW_MS'),
    keepPercent: readPercent(env, 'TAIL_SAMPLING_KEEP_PERCENT'),
  };
  if (seconds <= tailSampling.decisionWaitSeconds) {
    throw new Error(
      `TRACE_WAIT_SECONDS (${seconds}) must be longer than TAIL_SAMPLING_DECISION_WAIT_SECONDS (${tailSampling.decisionWaitSeconds}): the gateways hold every trace that long before they store it`,
    );
  }
  return { seconds, tailSampling };
}
