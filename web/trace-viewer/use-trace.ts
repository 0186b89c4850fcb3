import { useEffect, useState } from 'react';
import { TRACE_API_PATH, type TraceWait } from '@hello-trace/page-api';
import { parseJaegerTrace, type TraceSpan } from './parse.ts';
import { traceState, type Poll, type TraceState } from './trace-state.ts';

const POLL_INTERVAL_MS = 500;
/** After a failed poll: a Jaeger that is away gets 15 questions in a 30 s wait, not 60. */
const RETRY_INTERVAL_MS = 2_000;

/**
 * Polls the page server's Jaeger proxy until `isComplete` says the trace is (a function that stays the
 * same, given each poll's spans and the previous poll's), for as long as `wait` says; starts once
 * `wait` is known.
 */
export function useTrace(
  traceId: string,
  isComplete: (spans: TraceSpan[], previous: TraceSpan[] | undefined) => boolean,
  wait: TraceWait | undefined,
): TraceState {
  const [state, setState] = useState<TraceState>({
    phase: 'waiting',
    spans: [],
    message: 'Waiting for the trace in Jaeger…',
  });

  useEffect(() => {
    if (!wait) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const start = Date.now();
    let previous: TraceSpan[] | undefined;

    const poll = async () => {
      const answer = await fetchTrace(traceId);
      const next = traceState(answer, (spans) => isComplete(spans, previous), Date.now() - start, wait);
      if ('spans' in answer) previous = answer.spans;
      if (stopped) return;
      setState(next);
      if (next.phase === 'waiting') timer = setTimeout(poll, POLL_INTERVAL_MS);
      if (next.phase === 'retrying') timer = setTimeout(poll, RETRY_INTERVAL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [traceId, isComplete, wait]);

  return state;
}

async function fetchTrace(traceId: string): Promise<Poll> {
  let response: Response;
  try {
    response = await fetch(`${TRACE_API_PATH}${traceId}`);
  } catch (error) {
    return { error: `The page server did not answer (${error instanceof Error ? error.message : String(error)}).` };
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    return { error: (body as { error?: string } | undefined)?.error ?? `The page server answered ${response.status}.` };
  }
  return { spans: parseJaegerTrace(body) };
}
