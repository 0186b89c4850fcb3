// A steady load of two-span traces through the scale path's two agents, as clicks make them: the
// server's span (`GET /hello`) goes to the server agent, the page's (`StartRequests`, its parent) to
// the browser agent, later, as a page sends its span once the request has ended. Every n-th trace
// fails: both of its spans have status ERROR, as a 500 marks the server's span and the page's.
import { spanKey } from './opensearch.ts';
import { newSpanId, newTraceId, otlpJson, type TestSpan } from './otlp-json.ts';

export interface SentTrace {
  traceId: string;
  pageSpanId: string;
  serverSpanId: string;
  error: boolean;
  /** When each agent answered 2xx for this trace's span, in ms since the epoch; 0 until then. */
  pageSentAt: number;
  serverSentAt: number;
}

/** The keys (`spanKey`) of these traces' spans, the page's and the server's. */
export const spanKeys = (traces: SentTrace[]) =>
  traces.flatMap((trace) => [spanKey(trace.traceId, trace.pageSpanId), spanKey(trace.traceId, trace.serverSpanId)]);

export interface TraceLoadOptions {
  /** OTLP/HTTP base URLs of the browser agent and the server agent. */
  browserAgentUrl: string;
  serverAgentUrl: string;
  perSecond: number;
  /** Every n-th trace fails (default 4: a quarter of them). */
  errorEvery?: number;
  /** How long after the server's span the page's is sent (default 1,000 ms). */
  pageDelayMs?: number;
  /** Each sender sends what is due every `batchMs` (default 100 ms), at most 50 spans a request. */
  batchMs?: number;
}

export interface TraceLoad {
  /** Every trace started, in order. */
  traces: SentTrace[];
  /** Each refused or failed request, in words: the agent, its status and body, or the network error. */
  failures: string[];
  /** Stops starting traces, sends the page spans still due, and waits for every answer. */
  stop(): Promise<void>;
}

const MAX_SPANS_PER_REQUEST = 50;

type Side = 'page' | 'server';

interface Due {
  trace: SentTrace;
  span: TestSpan;
  at: number;
}

/** Starts `perSecond` traces a second (see TraceLoadOptions) until `stop()`. */
export function traceLoad({
  browserAgentUrl,
  serverAgentUrl,
  perSecond,
  errorEvery = 4,
  pageDelayMs = 1_000,
  batchMs = 100,
}: TraceLoadOptions): TraceLoad {
  const traces: SentTrace[] = [];
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const due: Record<Side, Due[]> = { page: [], server: [] };
  const started = Date.now();

  const startTrace = (now: number) => {
    const trace: SentTrace = {
      traceId: newTraceId(),
      pageSpanId: newSpanId(),
      serverSpanId: newSpanId(),
      error: traces.length % errorEvery === errorEvery - 1,
      pageSentAt: 0,
      serverSentAt: 0,
    };
    traces.push(trace);
    const { traceId, error } = trace;
    // The page's span encloses the server's and ends now; each is sent as its SDK would send it.
    due.server.push({
      trace,
      at: now,
      span: {
        traceId,
        spanId: trace.serverSpanId,
        parentSpanId: trace.pageSpanId,
        name: 'GET /hello',
        error,
        durationMs: 10,
        endUnixMs: now - 5,
      },
    });
    due.page.push({
      trace,
      at: now + pageDelayMs,
      span: { traceId, spanId: trace.pageSpanId, name: 'StartRequests', error, durationMs: 20, endUnixMs: now },
    });
  };

  const send = (side: Side, batch: Due[]) => {
    const [url, service] = side === 'page' ? [browserAgentUrl, 'hello-web'] : [serverAgentUrl, 'hello-server'];
    const agent = side === 'page' ? 'the browser agent' : 'the server agent';
    const request: Promise<void> = fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: otlpJson(
        service,
        batch.map(({ span }) => span),
      ),
    })
      .then(async (response) => {
        const body = await response.text();
        if (!response.ok) return void failures.push(`${agent} answered ${response.status}: ${body}`);
        const rejected = (JSON.parse(body || '{}') as { partialSuccess?: { rejectedSpans?: string } }).partialSuccess
          ?.rejectedSpans;
        if (Number(rejected) > 0) return void failures.push(`${agent} rejected ${rejected} spans: ${body}`);
        const now = Date.now();
        for (const { trace } of batch) trace[side === 'page' ? 'pageSentAt' : 'serverSentAt'] = now;
      })
      .catch((error: unknown) => void failures.push(`${agent}: ${String(error)}`))
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  const sendDue = (now: number) => {
    for (const side of ['server', 'page'] as const) {
      const ready = due[side].filter((entry) => entry.at <= now);
      due[side] = due[side].filter((entry) => entry.at > now);
      for (let at = 0; at < ready.length; at += MAX_SPANS_PER_REQUEST) {
        send(side, ready.slice(at, at + MAX_SPANS_PER_REQUEST));
      }
    }
  };

  const timer = setInterval(() => {
    const now = Date.now();
    while (traces.length < Math.floor(((now - started) * perSecond) / 1000)) startTrace(now);
    sendDue(now);
  }, batchMs);

  return {
    traces,
    failures,
    async stop() {
      clearInterval(timer);
      sendDue(Infinity);
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
