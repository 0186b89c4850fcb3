import { useEffect, useState } from 'react';
import { TRACE_API_PATH } from '../../shared/page-api.ts';
import { parseJaegerTrace, type TraceSpan } from './parse.ts';

export type TraceState =
  | { phase: 'waiting'; spans: TraceSpan[] }
  | { phase: 'complete'; spans: TraceSpan[] }
  | { phase: 'failed'; spans: TraceSpan[]; message: string };

const POLL_INTERVAL_MS = 500;
const GIVE_UP_AFTER_MS = 30_000;

/** Polls the page server's Jaeger proxy until `isComplete` says the trace is (a function that stays the same). */
export function useTrace(traceId: string, isComplete: (spans: TraceSpan[]) => boolean): TraceState {
  const [state, setState] = useState<TraceState>({ phase: 'waiting', spans: [] });

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const deadline = Date.now() + GIVE_UP_AFTER_MS;

    const poll = async () => {
      const next = await fetchTrace(traceId, isComplete);
      if (stopped) return;
      if (next.phase === 'waiting' && Date.now() > deadline) {
        setState({
          phase: 'failed',
          spans: next.spans,
          message: `After ${GIVE_UP_AFTER_MS / 1000} s the trace in Jaeger is still incomplete (${next.spans.length} spans). Is the collector running, does its CORS allow this page's origin, and did the server get the request?`,
        });
      } else {
        setState(next);
        if (next.phase === 'waiting') timer = setTimeout(poll, POLL_INTERVAL_MS);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [traceId, isComplete]);

  return state;
}

async function fetchTrace(traceId: string, isComplete: (spans: TraceSpan[]) => boolean): Promise<TraceState> {
  let response: Response;
  try {
    response = await fetch(`${TRACE_API_PATH}${traceId}`);
  } catch (error) {
    return {
      phase: 'failed',
      spans: [],
      message: `The page server did not answer (${error instanceof Error ? error.message : String(error)}).`,
    };
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = (body as { error?: string } | undefined)?.error ?? `The page server answered ${response.status}.`;
    return { phase: 'failed', spans: [], message };
  }
  const spans = parseJaegerTrace(body);
  return { phase: isComplete(spans) ? 'complete' : 'waiting', spans };
}
