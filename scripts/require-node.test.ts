import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEnv, promisify } from 'node:util';

const script = new URL('require-node.js', import.meta.url).pathname;
const { NODE_VERSION } = parseEnv(await readFile(new URL('../.env', import.meta.url), 'utf8')) as Record<
  string,
  string
>;

/** Runs require-node.js for a package.json whose "engines" asks for `range`: its exit code and stderr. */
async function requireNode(range: string): Promise<{ code: number; stderr: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'require-node-'));
  try {
    const manifest = join(folder, 'package.json');
    await writeFile(manifest, JSON.stringify({ engines: { node: range } }));
    const env = { ...process.env, npm_package_json: manifest };
    return await promisify(execFile)(process.execPath, [script], { env }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const [major, minor, patch] = process.versions.node.split('.').map(Number);

test('the running Node.js passes a range it meets, to the patch release', async () => {
  assert.deepEqual(await requireNode(`>=${major}.${minor}.${patch}`), { code: 0, stderr: '' });
  assert.deepEqual(await requireNode('>=24.11.1'), { code: 0, stderr: '' });
});

test(`an older Node.js stops in one line that names the release asked for and .env's ${NODE_VERSION} to install`, async () => {
  const { code, stderr } = await requireNode(`>=${major}.${minor}.${patch + 1}`);
  assert.equal(code, 1);
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.match(
    stderr,
    new RegExp(`needs Node\\.js ${major}\\.${minor}\\.${patch + 1} or later, but .* is Node\\.js v`),
  );
  assert.match(stderr, new RegExp(`install Node\\.js ${NODE_VERSION.replaceAll('.', '\\.')} `));
});
