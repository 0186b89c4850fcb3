// One trace as Jaeger's query API v3 answers it, for the tests: the click and its fetch from the
// page, the server's span with a middleware and HelloHandler (which records an exception), 40 ms in all.

const MS = 1_000_000n;
const T0 = 1_795_000_000_000n * MS;
const at = (ms: number) => String(T0 + BigInt(ms) * MS);

function otlpSpan(
  spanId: string,
  parentSpanId: string,
  name: string,
  fromMs: number,
  toMs: number,
  extra: object = {},
) {
  return {
    traceId: 'ab'.repeat(16),
    spanId,
    parentSpanId,
    name,
    startTimeUnixNano: at(fromMs),
    endTimeUnixNano: at(toMs),
    ...extra,
  };
}

export const jaegerAnswer = {
  result: {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hello-web' } }] },
        scopeSpans: [
          {
            spans: [
              otlpSpan('a1', '', 'StartRequests', 0, 40, { kind: 1 }),
              otlpSpan('a2', 'a1', 'GET', 2, 38, {
                kind: 3,
                attributes: [
                  { key: 'http.response.status_code', value: { intValue: '500' } },
                  { key: 'url.full', value: { stringValue: 'http://localhost:8000/hello' } },
                ],
                status: { code: 2, message: 'boom' },
              }),
            ],
          },
        ],
      },
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hello-server' } }] },
        scopeSpans: [
          {
            spans: [
              otlpSpan('b1', 'a2', 'GET /hello', 10, 30, { kind: 2 }),
              otlpSpan('b3', 'b1', 'HelloHandler', 20, 25, {
                kind: 1,
                events: [
                  {
                    name: 'exception',
                    timeUnixNano: at(22),
                    attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }],
                  },
                ],
              }),
              otlpSpan('b2', 'b1', 'middleware', 12, 13, { kind: 1 }),
            ],
          },
        ],
      },
    ],
  },
};
