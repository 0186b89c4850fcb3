import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jaegerAnswer } from './fixture.ts';
import { layoutWaterfall } from './layout.ts';
import { parseJaegerTrace, type TraceSpan } from './parse.ts';

test('lays the tree out in order, children under their parent, on one time axis', () => {
  const { rows, totalMs } = layoutWaterfall(parseJaegerTrace(jaegerAnswer));
  assert.equal(totalMs, 40);
  assert.deepEqual(
    rows.map((row) => [row.name, row.depth]),
    [
      ['StartRequests', 0],
      ['GET', 1],
      ['GET /hello', 2],
      ['middleware', 3],
      ['HelloHandler', 3],
    ],
  );
  const server = rows.find((row) => row.name === 'GET /hello')!;
  assert.equal(server.offsetPercent, 25);
  assert.equal(server.widthPercent, 50);
  assert.equal(rows.find((row) => row.name === 'middleware')!.widthPercent, 2.5);
});

test('a span whose parent has not arrived is shown as a root', () => {
  const spans = parseJaegerTrace(jaegerAnswer).filter((span) => span.name !== 'GET');
  assert.deepEqual(
    layoutWaterfall(spans).rows.map((row) => [row.name, row.depth]),
    [
      ['StartRequests', 0],
      ['GET /hello', 0],
      ['middleware', 1],
      ['HelloHandler', 1],
    ],
  );
});

test('no spans, no rows', () => {
  assert.deepEqual(layoutWaterfall([]), { rows: [], totalMs: 0 });
});

/** A span of the page load: the page server's `GET /`, and the browser's spans under it. */
const span = (spanId: string, parentSpanId: string, startMs: number, durationMs: number): TraceSpan => ({
  spanId,
  parentSpanId,
  name: spanId,
  service: spanId === 'GET /' ? 'hello-page' : 'hello-web',
  kind: 'internal',
  status: 'unset',
  statusMessage: '',
  startMs,
  durationMs,
  attributes: [],
  events: [],
});

test('a child that starts before its parent sits under it, its bar from the start of the axis', () => {
  // The page load: the browser's documentLoad starts at the navigation's fetchStart, before the page
  // server's SERVER span (its parent) began.
  const { rows, totalMs } = layoutWaterfall([
    span('documentFetch', 'documentLoad', 1000, 30),
    span('GET /', '', 1010, 10),
    span('documentLoad', 'GET /', 1000, 100),
  ]);
  assert.equal(totalMs, 100);
  assert.deepEqual(
    rows.map((row) => [row.name, row.depth, row.offsetPercent, row.widthPercent]),
    [
      ['GET /', 0, 10, 10],
      ['documentLoad', 1, 0, 100],
      ['documentFetch', 2, 0, 30],
    ],
  );
});
