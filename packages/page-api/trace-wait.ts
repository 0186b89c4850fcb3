// How long the page waits for a trace, told at run time (`GET /api/trace-wait`), since the same built
// page serves both stacks: the small one stores a trace within seconds, while the scale path's gateways
// hold each one for their tail sampling's decision_wait, then may drop it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCount, readPercent, readSwitch, type Env } from '@hello-trace/env';
import { sendJson } from './answer.ts';
import { DEFAULT_TRACE_WAIT_SECONDS, TRACE_WAIT_API_PATH, type TraceWait } from './index.ts';

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

/** Answers `GET /api/trace-wait` with `wait` and returns true; returns false, having sent nothing, for any other path. */
export function answerTraceWait(request: IncomingMessage, response: ServerResponse, wait: TraceWait): boolean {
  if (new URL(request.url ?? '/', 'http://page').pathname !== TRACE_WAIT_API_PATH) return false;
  if (request.method === 'GET') sendJson(response, 200, wait);
  else sendJson(response, 405, { error: 'only GET' });
  return true;
}
