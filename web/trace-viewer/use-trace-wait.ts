import { useEffect, useState } from 'react';
import { DEFAULT_TRACE_WAIT_SECONDS, TRACE_WAIT_API_PATH, type TraceWait } from '@hello-trace/page-api';

/**
 * How long to wait for a trace, as the page server says, asked when the page opens; undefined until it
 * answers, and the default wait when it cannot (the trace view then says what failed).
 */
export function useTraceWait(): TraceWait | undefined {
  const [wait, setWait] = useState<TraceWait>();
  useEffect(() => void askPageServer().then(setWait), []);
  return wait;
}

async function askPageServer(): Promise<TraceWait> {
  try {
    const response = await fetch(TRACE_WAIT_API_PATH);
    if (response.ok) return (await response.json()) as TraceWait;
    // Read, so that the request does not stay open.
    await response.text();
  } catch {
    // The page server is away: the trace view's polls say so.
  }
  return { seconds: DEFAULT_TRACE_WAIT_SECONDS };
}
