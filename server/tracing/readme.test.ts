import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test("README's npm install line lists exactly package.json's dependencies, at their versions", () => {
  const readme = readFileSync(new URL('README.md', import.meta.url), 'utf8');
  const { dependencies } = JSON.parse(readFileSync(new URL('package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const line = readme.split('\n').find((candidate) => candidate.startsWith('npm install --save-exact '));
  assert.ok(line, 'README.md has no npm install --save-exact line');
  assert.deepEqual(
    line.split(' ').slice(3).toSorted(),
    Object.entries(dependencies)
      .map(([name, version]) => `${name}@${version}`)
      .toSorted(),
  );
});
