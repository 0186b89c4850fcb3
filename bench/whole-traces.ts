// An offered load of whole traces, each a click's four spans sent as the page and the server send
// them: the page's StartRequests and fetch GET in one OTLP/JSON request to the page's receiver, about
// 300 ms after the answer (when the fetch span ends); the server's GET /hello and HelloHandler in
// OTLP/protobuf batches to the server's receiver every 200 ms, at most 512 spans a request (its batch
// processor's settings). Half the spans go each way. Attributes, scopes and resources as the real
// page and server set them.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { encodeTraceRequest, type OtlpRequest } from '@hello-trace/harness/testing/otlp-receiver';

export const SPANS_PER_TRACE = 4;
const PAGE_SENDS_AFTER_MS = 300;
const SERVER_BATCH_EVERY_MS = 200;
const SERVER_BATCH_MAX_SPANS = 512;
const TICK_MS = 5;

export interface OfferedLoad {
  /** Trace ids of every trace sent, in order. */
  traceIds: string[];
  spansSent: number;
  /** Spans in requests answered other than 2xx, or not answered at all. */
  spansRefused: number;
  /** Answers other than 2xx, by status (0: no answer). */
  refusals: Record<number, number>;
  requests: number;
  /** Spans sent over the seconds from the first trace to the last request sent. */
  achievedSpansPerSecond: number;
}

const string = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: value } });
const nanos = (ms: number) => `${Math.round(ms * 1000)}000`;
const bytes = (hex: string) => Buffer.from(hex, 'hex');

/** The server's resource, as the Node SDK's detectors fill it in. */
const SERVER_RESOURCE = {
  attributes: [
    string('service.name', 'hello-server'),
    string('host.name', 'bench'),
    string('host.arch', 'amd64'),
    string('os.type', 'linux'),
    int('process.pid', process.pid),
    string('process.executable.name', 'node'),
    string('process.runtime.name', 'nodejs'),
    string('process.runtime.version', process.versions.node),
    string('process.command', 'src/main.ts'),
    string('service.instance.id', crypto.randomUUID()),
    string('telemetry.sdk.language', 'nodejs'),
    string('telemetry.sdk.name', 'opentelemetry'),
    string('telemetry.sdk.version', '3.1.0'),
  ],
};
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

interface Trace {
  traceId: string;
  clickId: string;
  fetchId: string;
  serverId: string;
  handlerId: string;
  /** When the click started, in ms since the epoch. */
  at: number;
}

function newTraces(count: number, at: number): Trace[] {
  const ids = randomBytes(count * 48).toString('hex');
  return Array.from({ length: count }, (_, index) => {
    const id = ids.slice(index * 96, (index + 1) * 96);
    return {
      traceId: id.slice(0, 32),
      clickId: id.slice(32, 48),
      fetchId: id.slice(48, 64),
      serverId: id.slice(64, 80),
      handlerId: id.slice(80, 96),
      at,
    };
  });
}

/** The page's request for one click: StartRequests and the fetch span with its timing events, in OTLP/JSON. */
function pageRequest(trace: Trace, serverUrl: string): string {
  const { traceId, at } = trace;
  const session = string('session.id', traceId);
  const timings = ['fetchStart', 'domainLookupStart', 'domainLookupEnd', 'connectStart', 'connectEnd'];
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [string('service.name', 'hello-web')] },
        scopeSpans: [
          {
            scope: { name: 'hello-web' },
            spans: [
              {
                traceId,
                spanId: trace.clickId,
                name: 'StartRequests',
                kind: 1,
                startTimeUnixNano: nanos(at),
                endTimeUnixNano: nanos(at + 34),
                attributes: [string('app.scenario', 'normal'), session],
                status: { code: 0 },
                flags: 257,
              },
            ],
          },
          {
            scope: { name: '@opentelemetry/instrumentation-fetch', version: '0.223.0' },
            spans: [
              {
                traceId,
                spanId: trace.fetchId,
                parentSpanId: trace.clickId,
                name: 'GET',
                kind: 3,
                startTimeUnixNano: nanos(at + 1),
                endTimeUnixNano: nanos(at + 33),
                attributes: [
                  string('http.request.method', 'GET'),
                  string('url.full', `${serverUrl}/hello`),
                  session,
                  int('http.response.status_code', 200),
                  string('server.address', '127.0.0.1'),
                  int('server.port', 8080),
                ],
                events: [
                  ...timings.map((name) => ({ name, timeUnixNano: nanos(at + 2) })),
                  { name: 'requestStart', timeUnixNano: nanos(at + 15) },
                  { name: 'responseStart', timeUnixNano: nanos(at + 21) },
                  { name: 'responseEnd', timeUnixNano: nanos(at + 22) },
                ],
                status: { code: 0 },
                flags: 257,
              },
            ],
          },
        ],
      },
    ],
  });
}

/** The server's export of these traces' GET /hello and HelloHandler spans, in OTLP/protobuf. */
function serverRequest(traces: Trace[]): Uint8Array {
  const spans: OtlpRequest = {
    resourceSpans: [
      {
        resource: SERVER_RESOURCE,
        scopeSpans: [
          {
            scope: { name: 'hello-server' },
            spans: traces.map((trace) => ({
              traceId: bytes(trace.traceId),
              spanId: bytes(trace.handlerId),
              parentSpanId: bytes(trace.serverId),
              name: 'HelloHandler',
              kind: 1,
              startTimeUnixNano: nanos(trace.at + 16),
              endTimeUnixNano: nanos(trace.at + 17),
              attributes: [string('app.scenario', 'normal'), string('app.baggage.name', 'GoFrame')],
            })),
          },
          {
            scope: { name: '@opentelemetry/instrumentation-http' },
            spans: traces.map((trace) => ({
              traceId: bytes(trace.traceId),
              spanId: bytes(trace.serverId),
              parentSpanId: bytes(trace.fetchId),
              name: 'GET /hello',
              kind: 2,
              startTimeUnixNano: nanos(trace.at + 15),
              endTimeUnixNano: nanos(trace.at + 18),
              attributes: [
                string('http.request.method', 'GET'),
                string('url.scheme', 'http'),
                string('url.path', '/hello'),
                string('server.address', '127.0.0.1'),
                int('server.port', 8000),
                string('client.address', '127.0.0.1'),
                string('network.peer.address', '127.0.0.1'),
                int('network.peer.port', 50_000),
                string('network.protocol.version', '1.1'),
                string('user_agent.original', USER_AGENT),
                string('http.route', '/hello'),
                int('http.response.status_code', 200),
              ],
            })),
          },
        ],
      },
    ],
  };
  return encodeTraceRequest(spans);
}

/**
 * Sends `spansPerSecond` spans a second for `seconds`, as whole traces: the page's half to
 * `pageUrl`'s /v1/traces, the server's to `serverUrl`'s. Resolves once every request has its answer.
 */
export async function offerWholeTraces({
  pageUrl,
  serverUrl,
  spansPerSecond,
  seconds,
}: {
  pageUrl: string;
  serverUrl: string;
  spansPerSecond: number;
  seconds: number;
}): Promise<OfferedLoad> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const result: OfferedLoad = {
    traceIds: [],
    spansSent: 0,
    spansRefused: 0,
    refusals: {},
    requests: 0,
    achievedSpansPerSecond: 0,
  };
  const inFlight = new Set<Promise<void>>();
  const send = (baseUrl: string, type: string, body: string | Uint8Array, spans: number) => {
    result.requests++;
    result.spansSent += spans;
    const refused = (status: number) => {
      result.spansRefused += spans;
      result.refusals[status] = (result.refusals[status] ?? 0) + 1;
    };
    const answered = new Promise<void>((resolve) => {
      const outgoing = request(
        `${baseUrl}/v1/traces`,
        { method: 'POST', agent, headers: { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) } },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode! >= 300) refused(response.statusCode!);
            resolve();
          });
        },
      );
      outgoing.on('error', () => {
        refused(0);
        resolve();
      });
      outgoing.end(body);
    });
    inFlight.add(answered);
    void answered.finally(() => inFlight.delete(answered));
  };

  const tracesPerSecond = spansPerSecond / SPANS_PER_TRACE;
  const started = Date.now();
  const pageQueue: Trace[] = [];
  let serverBatch: Trace[] = [];
  let lastServerExport = started;
  let made = 0;
  const flushServer = () => {
    for (let at = 0; at < serverBatch.length; at += SERVER_BATCH_MAX_SPANS / 2) {
      const traces = serverBatch.slice(at, at + SERVER_BATCH_MAX_SPANS / 2);
      send(serverUrl, 'application/x-protobuf', serverRequest(traces), traces.length * 2);
    }
    serverBatch = [];
  };
  const flushPage = (until: number) => {
    while (pageQueue.length > 0 && pageQueue[0].at + PAGE_SENDS_AFTER_MS <= until) {
      send(pageUrl, 'application/json', pageRequest(pageQueue.shift()!, serverUrl), 2);
    }
  };
  while (Date.now() - started < seconds * 1000) {
    const now = Date.now();
    const due = Math.floor(((now - started) / 1000) * tracesPerSecond) - made;
    if (due > 0) {
      const traces = newTraces(due, now);
      made += due;
      for (const trace of traces) result.traceIds.push(trace.traceId);
      serverBatch.push(...traces);
      pageQueue.push(...traces);
    }
    if (now - lastServerExport >= SERVER_BATCH_EVERY_MS) {
      flushServer();
      lastServerExport = now;
    }
    flushPage(now);
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  flushServer();
  await new Promise((resolve) => setTimeout(resolve, PAGE_SENDS_AFTER_MS));
  flushPage(Infinity);
  result.achievedSpansPerSecond = result.spansSent / ((Date.now() - started - PAGE_SENDS_AFTER_MS) / 1000);
  while (inFlight.size > 0) await Promise.all(inFlight);
  agent.destroy();
  return result;
}
