// How long the page waits for a trace (`GET /api/trace-wait` answers it), from the page server's
// settings: the same built page serves both stacks, and the scale path's gateways hold each trace
// until soon after its root span has reached them (tail sampling), then may drop it.
import { readCount, readPercent, readSwitch, type Env } from '@hello-trace/env';
import { DEFAULT_TRACE_WAIT_SECONDS, type TraceWait } from '@hello-trace/page-api';

/**
 * TRACE_WAIT_SECONDS and, with TAIL_SAMPLING=true, the gateways' policy from the same variables
 * scale/gateway.yaml reads, which must then be set (.env holds them); throws an error naming the
 * variable when one is missing or malformed.
 */
export function traceWaitSettings(env: Env = process.env): TraceWait {
  if (!readSwitch(env, 'TAIL_SAMPLING'))
    return { seconds: readCount(env, 'TRACE_WAIT_SECONDS', DEFAULT_TRACE_WAIT_SECONDS) };
  const tailSampling = {
    decisionWaitAfterRootMs: readCount(env, 'TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS'),
    slowMs: readCount(env, 'TAIL_SAMPLING_SLOW_MS'),
    keepPercent: readPercent(env, 'TAIL_SAMPLING_KEEP_PERCENT'),
  };
  // tail_sampling counts the wait in whole seconds and decides on its 1 s tick after that; a kept trace
  // is in storage within seconds of its decision, and 20 s more leave room for load.
  const decidedWithin = Math.floor(tailSampling.decisionWaitAfterRootMs / 1000) + 1;
  const seconds = readCount(env, 'TRACE_WAIT_SECONDS', decidedWithin + 20);
  if (seconds <= decidedWithin) {
    throw new Error(
      `TRACE_WAIT_SECONDS (${seconds}) must be longer than ${decidedWithin} s: with TAIL_SAMPLING_DECISION_WAIT_AFTER_ROOT_MS at ${tailSampling.decisionWaitAfterRootMs}, the gateways hold a trace up to that long after its root span arrives before they store it`,
    );
  }
  return { seconds, tailSampling };
}
