import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jaegerAnswer } from './fixture.ts';
import { layoutWaterfall } from './layout.ts';
import { parseJaegerTrace } from './parse.ts';

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
