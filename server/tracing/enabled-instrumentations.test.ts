import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { enabledInstrumentations, type Offered } from './enabled-instrumentations.ts';

/**
 * The names of what `enabledInstrumentations` makes of http, express and undici under `env` (express
 * offered without a maker when `expressOff`), and the lines it printed.
 */
function enabled(t: TestContext, env: NodeJS.ProcessEnv, { expressOff = false } = {}) {
  const printed = t.mock.method(console, 'error', () => {});
  const made: string[] = [];
  const make = (name: string) => () => {
    made.push(name);
    return { instrumentationName: name } as Instrumentation;
  };
  const offered: Offered = {
    http: make('http'),
    express: expressOff ? undefined : make('express'),
    undici: make('undici'),
  };
  const names = enabledInstrumentations(offered, env).map((instrumentation) => instrumentation.instrumentationName);
  assert.deepEqual(made, names, 'only the instrumentations left on are made');
  return { names, lines: printed.mock.calls.map((call) => String(call.arguments[0])) };
}

test('with neither variable set, or both empty, every offered instrumentation is on', (t) => {
  assert.deepEqual(enabled(t, {}).names, ['http', 'express', 'undici']);
  assert.deepEqual(
    enabled(t, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: '', OTEL_NODE_DISABLED_INSTRUMENTATIONS: '' }).names,
    ['http', 'express', 'undici'],
  );
});

test('OTEL_NODE_ENABLED_INSTRUMENTATIONS keeps only those it names, spaces and empty names aside', (t) => {
  assert.deepEqual(enabled(t, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: ' undici , http,' }).names, ['http', 'undici']);
});

test('OTEL_NODE_DISABLED_INSTRUMENTATIONS removes those it names, also from the enabled ones', (t) => {
  assert.deepEqual(enabled(t, { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' }).names, ['http', 'undici']);
  assert.deepEqual(
    enabled(t, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' })
      .names,
    ['express'],
  );
});

test('a name not offered is reported in one line per variable and ignored', (t) => {
  const { names, lines } = enabled(t, {
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pg,fetch',
    OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'fs',
  });
  assert.deepEqual(names, ['http']);
  assert.deepEqual(lines, [
    'OpenTelemetry: OTEL_NODE_ENABLED_INSTRUMENTATIONS names "pg", "fetch", which this app does not offer (it offers http, express, undici): ignored.',
    'OpenTelemetry: OTEL_NODE_DISABLED_INSTRUMENTATIONS names "fs", which this app does not offer (it offers http, express, undici): ignored.',
  ]);
});

test('only unknown names in OTEL_NODE_ENABLED_INSTRUMENTATIONS leave nothing on, as upstream', (t) => {
  assert.deepEqual(enabled(t, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg' }).names, []);
});

test('an instrumentation offered without a maker stays off, and its name is known', (t) => {
  const { names, lines } = enabled(t, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express' }, { expressOff: true });
  assert.deepEqual(names, ['http']);
  assert.deepEqual(lines, []);
});
