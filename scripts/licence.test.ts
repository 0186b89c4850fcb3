import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './package-boundaries.ts';

test('LICENSE is the Apache License 2.0, and every package.json names it', () => {
  assert.match(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'), /^\s*Apache License\s+Version 2\.0, January 2004/);
  const manifests = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*package.json'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((path) => path && !path.includes('node_modules'));
  assert.ok(manifests.length >= 10, `package.json files: ${manifests.join(', ')}`);
  for (const manifest of manifests) {
    const { license } = JSON.parse(readFileSync(join(repoRoot, manifest), 'utf8')) as { license?: string };
    assert.equal(license, 'Apache-2.0', manifest);
  }
});
