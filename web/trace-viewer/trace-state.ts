// What the trace view says after each poll of the page server: the trace, or why it is not there yet,
// or, once the page has waited as long as the page server said (TraceWait), why it never will be. A
// poll that failed (Jaeger restarting, or too slow to answer) is shown at once and asked again while
// the wait lasts.
import type { TailSampling, TraceWait } from '@hello-trace/page-api';
import type { TraceSpan } from './parse.ts';

export type TraceState =
  | { phase: 'complete'; spans: TraceSpan[] }
  /**
   * `retrying`: the last poll failed, and the view asks again. `notKept`: tail sampling dropped the
   * trace, as its policy may.
   */
  | { phase: 'waiting' | 'retrying' | 'failed' | 'notKept'; spans: TraceSpan[]; message: string };

/** What the page server answered: the trace's spans so far, or what failed. */
export type Poll = { spans: TraceSpan[] } | { error: string };

/** The state after `poll`, `waitedMs` after the view began to wait for the trace. */
export function traceState(
  poll: Poll,
  isComplete: (spans: TraceSpan[]) => boolean,
  waitedMs: number,
  { seconds, tailSampling }: TraceWait,
): TraceState {
  const waiting = waitedMs <= seconds * 1000;
  if ('error' in poll) {
    return waiting
      ? { phase: 'retrying', spans: [], message: `${poll.error} The page asks again until it has waited ${seconds} s.` }
      : { phase: 'failed', spans: [], message: poll.error };
  }
  const { spans } = poll;
  if (isComplete(spans)) return { phase: 'complete', spans };
  const so = `${spans.length} spans`;
  if (waiting) {
    const why = tailSampling ? whenDecided(tailSampling) : 'The page and the server send their spans in batches.';
    return { phase: 'waiting', spans, message: `Waiting for the trace in Jaeger (${so} so far)… ${why}` };
  }
  if (!tailSampling) {
    return {
      phase: 'failed',
      spans,
      message: `After ${seconds} s the trace in Jaeger is still incomplete (${so}). Is the collector running, does its CORS allow this page's origin, and did the server get the request?`,
    };
  }
  if (spans.length > 0) {
    return {
      phase: 'failed',
      spans,
      message: `After ${seconds} s the trace in Jaeger is still incomplete (${so}). The gateways keep or drop a trace whole, so the missing spans were lost on the way: are both agents running, does the browser agent's CORS allow this page's origin, and did the server get the request?`,
    };
  }
  if (tailSampling.keepPercent >= 100) {
    return {
      phase: 'failed',
      spans,
      message: `After ${seconds} s Jaeger has no span of this trace, although the gateways' tail sampling keeps every trace (its share is 100 %). Are the agents, the gateways, Kafka, the ingester and OpenSearch running?`,
    };
  }
  const { slowMs, keepPercent } = tailSampling;
  const share = keepPercent === 0 ? 'none of the others' : `${keepPercent} % of the others`;
  return {
    phase: 'notKept',
    spans,
    message: `Not kept: after ${seconds} s Jaeger has no span of this trace. That is expected unless it had an error or took ${slowMs} ms or longer: the gateways' tail sampling keeps those traces and ${share}, and drops the rest whole. A kept trace may also come late, when the ingester is behind; the trace link above finds it then.`,
  };
}

/** When the gateways decide: they count their wait in whole seconds, then decide on their 1 s tick. */
function whenDecided({ decisionWaitAfterRootMs }: TailSampling): string {
  const after = Math.floor(decisionWaitAfterRootMs / 1000);
  return `The gateways decide whether to keep a trace ${after} to ${after + 1} s after its root span (this click's own) reaches them, so it shows a few seconds after the click.`;
}
