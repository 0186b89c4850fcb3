// An OTLP/HTTP trace receiver for the tests: it accepts protobuf (the Node SDK's default) and JSON
// (the browser exporter's), answers CORS like the collector does, and keeps every span it gets.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import protobuf from 'protobufjs';

export interface ReceivedSpan {
  service: string;
  /** The instrumentation scope's name: the tracer's, such as @opentelemetry/instrumentation-http. */
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: SpanKind;
  /** When it ended, in milliseconds since the epoch. */
  endUnixMs: number;
  durationMs: number;
  status: { code: StatusCode; message: string };
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
}

/** OTLP's span kinds and status codes, as numbers on the wire. */
export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

// The fields of opentelemetry/proto/collector/trace/v1 that the tests read; protobuf skips the rest.
const TRACE_PROTO = `
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  repeated Event events = 11;
  Status status = 15;
}
message Event { string name = 2; repeated KeyValue attributes = 3; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
`;
const ExportTraceServiceRequest = protobuf.parse(TRACE_PROTO).root.lookupType('ExportTraceServiceRequest');

type Id = string | Uint8Array | undefined;
interface OtlpValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpValue;
}
export interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: Id;
        spanId: Id;
        parentSpanId?: Id;
        name: string;
        kind?: number;
        startTimeUnixNano?: number | string;
        endTimeUnixNano?: number | string;
        attributes?: OtlpKeyValue[];
        events?: { name: string; attributes?: OtlpKeyValue[] }[];
        status?: { code?: number; message?: string };
      }[];
    }[];
  }[];
}

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly #server = createServer((request, response) => void this.#handle(request, response));
  readonly #allowedOrigins: readonly string[];
  readonly #keepSpans: boolean;

  /**
   * `keepSpans: false` accepts spans and decodes none, for a load: decoding would take CPU from the
   * load generator.
   */
  constructor({
    allowedOrigins = [],
    keepSpans = true,
  }: { allowedOrigins?: readonly string[]; keepSpans?: boolean } = {}) {
    this.#allowedOrigins = allowedOrigins;
    this.#keepSpans = keepSpans;
  }

  /** Listens on loopback, on `port` or a free one. */
  async start(port = 0): Promise<void> {
    this.#server.listen(port, '127.0.0.1');
    await once(this.#server, 'listening');
  }

  /** The base URL, to use as OTEL_EXPORTER_OTLP_ENDPOINT. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  /** Waits until `done` holds for the spans received so far; fails with what did arrive. */
  async waitFor(done: (spans: ReceivedSpan[]) => boolean, timeoutMs = 15_000): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.spans)) {
      if (Date.now() > deadline) {
        const names = this.spans.map((span) => `${span.service}: ${span.name}`).join(', ');
        throw new Error(`OTLP receiver: spans still incomplete after ${timeoutMs} ms; received [${names}]`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.spans;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const origin = request.headers.origin;
    if (origin && this.#allowedOrigins.includes(origin)) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Vary', 'Origin');
    }
    if (request.method === 'OPTIONS') {
      if (response.hasHeader('Access-Control-Allow-Origin')) {
        response.setHeader('Access-Control-Allow-Methods', 'POST');
        response.setHeader('Access-Control-Allow-Headers', 'content-type');
      }
      response.writeHead(204).end();
      return;
    }
    if (request.method !== 'POST' || !/^\/v1\/(traces|metrics|logs)$/.test(request.url ?? '')) {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const contentType = request.headers['content-type'] ?? '';
    const json = contentType.startsWith('application/json');
    if (!json && !contentType.startsWith('application/x-protobuf')) {
      response.writeHead(415).end(`unsupported content-type ${contentType}`);
      return;
    }
    // Metrics and logs (which a stock set-up exports too) are accepted and dropped.
    if (request.url === '/v1/traces' && this.#keepSpans) this.spans.push(...decode(json, body));
    response
      .writeHead(200, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' })
      .end(json ? '{}' : undefined);
  }
}

function decode(json: boolean, body: Buffer): ReceivedSpan[] {
  return toReceivedSpans(
    json
      ? (JSON.parse(body.toString('utf8')) as OtlpRequest)
      : (ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: Number }) as OtlpRequest),
  );
}

/** The spans of an OTLP trace request in protobuf (or of TracesData, its same first field: the kafka exporter's `otlp_proto`). */
export function decodeTraceRequest(body: Uint8Array): ReceivedSpan[] {
  return decode(false, Buffer.from(body));
}

/** An OTLP trace request in protobuf, as the Node SDK sends it; ids must be bytes (a string would be read as base64). */
export function encodeTraceRequest(request: OtlpRequest): Uint8Array {
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish();
}

/** The spans of an OTLP trace request, as OTLP/JSON or decoded protobuf (Jaeger's /api/v3 answers in OTLP/JSON too). */
export function toReceivedSpans(request: OtlpRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = toRecord(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        service: String(resource['service.name']),
        scope: scopeSpans.scope?.name ?? '',
        traceId: toHex(span.traceId),
        spanId: toHex(span.spanId),
        parentSpanId: toHex(span.parentSpanId),
        name: span.name,
        kind: (span.kind ?? 0) as SpanKind,
        endUnixMs: Number(span.endTimeUnixNano ?? 0) / 1e6,
        durationMs: (Number(span.endTimeUnixNano ?? 0) - Number(span.startTimeUnixNano ?? 0)) / 1e6,
        status: { code: (span.status?.code ?? StatusCode.UNSET) as StatusCode, message: span.status?.message ?? '' },
        attributes: toRecord(span.attributes),
        events: (span.events ?? []).map((event) => ({ name: event.name, attributes: toRecord(event.attributes) })),
      })),
    );
  });
}

function toHex(id: Id): string {
  if (id === undefined) return '';
  return typeof id === 'string' ? id.toLowerCase() : Buffer.from(id).toString('hex');
}

function toRecord(attributes: OtlpKeyValue[] = []): Record<string, unknown> {
  return Object.fromEntries(attributes.map(({ key, value }) => [key, toValue(value)]));
}

function toValue(value: OtlpValue = {}): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(toValue);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}
