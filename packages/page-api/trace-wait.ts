// How long the page waits for a trace, told at run time (`GET /api/trace-wait`), since the same built
// page serves both stacks: the small one stores a trace within seconds, while the scale path's gateways
// hold each one until soon after its root span has reached them (tail sampling), then may drop it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './answer.ts';
import { TRACE_WAIT_API_PATH, type TraceWait } from './index.ts';

/** Answers `GET /api/trace-wait` with `wait` and returns true; returns false, having sent nothing, for any other path. */
export function answerTraceWait(request: IncomingMessage, response: ServerResponse, wait: TraceWait): boolean {
  if (new URL(request.url ?? '/', 'http://page').pathname !== TRACE_WAIT_API_PATH) return false;
  if (request.method === 'GET') sendJson(response, 200, wait);
  else sendJson(response, 405, { error: 'only GET' });
  return true;
}
