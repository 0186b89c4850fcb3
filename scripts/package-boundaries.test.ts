import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findCrossings, repoRoot, repositoryCrossings } from './package-boundaries.ts';

test('a relative import that leaves its package is a crossing; one inside it, or by package name, is not', () => {
  const files = new Map([
    ['page-server/main.ts', "import { x } from '../server/src/x.ts';\nimport { y } from './y.ts';"],
    ['server/src/app.ts', "import('../tracing/flush.ts');\nimport { z } from '@hello-trace/env';"],
    ['server/src/greeter/main.ts', "import { serve } from '../serve.ts';"],
    ['e2e/a.test.ts', "export {\n  b,\n} from '../bench/b.ts';"],
    ['vite.config.ts', "import '../outside.ts';"],
  ]);
  const crossings = findCrossings(files, ['.', 'server', 'server/tracing', 'page-server', 'e2e', 'bench']);
  assert.deepEqual(
    crossings.map(({ file, specifier }) => `${file} → ${specifier}`),
    [
      'page-server/main.ts → ../server/src/x.ts',
      'server/src/app.ts → ../tracing/flush.ts',
      'e2e/a.test.ts → ../bench/b.ts',
      'vite.config.ts → ../outside.ts',
    ],
  );
});

test('no relative import in this repository leaves its package', () => {
  const crossings = repositoryCrossings(repoRoot);
  assert.deepEqual(
    crossings.map(({ file, specifier, from }) => `${file} (package ${from}) imports ${specifier}`),
    [],
    'import what another package offers by its name, or make what two packages share a package of its own',
  );
});
