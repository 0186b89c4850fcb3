import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceWait } from '@hello-trace/page-api';
import { isTraceComplete } from './complete.ts';
import { jaegerAnswer } from './fixture.ts';
import { parseJaegerTrace } from './parse.ts';
import { traceState } from './trace-state.ts';

const spans = parseJaegerTrace(jaegerAnswer);
const pageSpans = spans.filter((span) => span.service === 'hello-web');
const isComplete = (of: typeof spans) => isTraceComplete(of, 'hello-web');
const SMALL_STACK: TraceWait = { seconds: 30 };
const SCALE: TraceWait = { seconds: 30, tailSampling: { decisionWaitAfterRootMs: 1000, slowMs: 1000, keepPercent: 0 } };

test('a complete trace is drawn whenever it arrives within the wait: at 12 s of 30 with tail sampling too', () => {
  for (const wait of [SMALL_STACK, SCALE]) {
    assert.deepEqual(traceState({ spans }, isComplete, 12_000, wait), { phase: 'complete', spans });
    assert.deepEqual(traceState({ spans }, isComplete, 30_000, wait), { phase: 'complete', spans });
    assert.equal(traceState({ spans: [] }, isComplete, 12_000, wait).phase, 'waiting');
  }
});

test('while it waits, the small stack speaks of batches, the scale path of the gateways deciding', () => {
  assert.deepEqual(traceState({ spans: pageSpans }, isComplete, 1_000, SMALL_STACK), {
    phase: 'waiting',
    spans: pageSpans,
    message: `Waiting for the trace in Jaeger (${pageSpans.length} spans so far)… The page and the server send their spans in batches.`,
  });
  assert.deepEqual(traceState({ spans: [] }, isComplete, 30_000, SCALE), {
    phase: 'waiting',
    spans: [],
    message:
      "Waiting for the trace in Jaeger (0 spans so far)… The gateways decide whether to keep a trace 1 to 2 s after its root span (this click's own) reaches them, so it shows a few seconds after the click.",
  });
});

test('without tail sampling, after the wait, a trace with no spans or some is incomplete, as ever', () => {
  for (const sofar of [[], pageSpans]) {
    assert.deepEqual(traceState({ spans: sofar }, isComplete, 30_001, SMALL_STACK), {
      phase: 'failed',
      spans: sofar,
      message: `After 30 s the trace in Jaeger is still incomplete (${sofar.length} spans). Is the collector running, does its CORS allow this page's origin, and did the server get the request?`,
    });
  }
});

test('with tail sampling, after the wait, no span at all means not kept, and says which traces are', () => {
  assert.deepEqual(traceState({ spans: [] }, isComplete, 30_001, SCALE), {
    phase: 'notKept',
    spans: [],
    message:
      "Not kept: after 30 s Jaeger has no span of this trace. That is expected unless it had an error or took 1000 ms or longer: the gateways' tail sampling keeps those traces and none of the others, and drops the rest whole. A kept trace may also come late, when the ingester is behind; the trace link above finds it then.",
  });
  const tenPercent: TraceWait = {
    seconds: 3,
    tailSampling: { decisionWaitAfterRootMs: 1000, slowMs: 250, keepPercent: 12.5 },
  };
  const state = traceState({ spans: [] }, isComplete, 3_001, tenPercent);
  assert.ok(state.phase === 'notKept', state.phase);
  assert.match(state.message, /^Not kept: after 3 s .* took 250 ms or longer: .* and 12\.5 % of the others,/);
});

test('with tail sampling, after the wait, some spans are an incomplete trace, and none with a share of 100 % a failure', () => {
  assert.deepEqual(traceState({ spans: pageSpans }, isComplete, 30_001, SCALE), {
    phase: 'failed',
    spans: pageSpans,
    message: `After 30 s the trace in Jaeger is still incomplete (${pageSpans.length} spans). The gateways keep or drop a trace whole, so the missing spans were lost on the way: are both agents running, does the browser agent's CORS allow this page's origin, and did the server get the request?`,
  });
  const keepAll: TraceWait = {
    seconds: 30,
    tailSampling: { decisionWaitAfterRootMs: 1000, slowMs: 1000, keepPercent: 100 },
  };
  assert.deepEqual(traceState({ spans: [] }, isComplete, 30_001, keepAll), {
    phase: 'failed',
    spans: [],
    message:
      "After 30 s Jaeger has no span of this trace, although the gateways' tail sampling keeps every trace (its share is 100 %). Are the agents, the gateways, Kafka, the ingester and OpenSearch running?",
  });
});

test('what the page server says failed is shown at once: asked again within the wait, final after it', () => {
  for (const waitedMs of [0, 30_000]) {
    assert.deepEqual(traceState({ error: 'Jaeger is not reachable.' }, isComplete, waitedMs, SCALE), {
      phase: 'retrying',
      spans: [],
      message: 'Jaeger is not reachable. The page asks again until it has waited 30 s.',
    });
  }
  assert.deepEqual(traceState({ error: 'Jaeger is not reachable.' }, isComplete, 30_001, SCALE), {
    phase: 'failed',
    spans: [],
    message: 'Jaeger is not reachable.',
  });
});
