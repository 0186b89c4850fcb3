import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolvePagePath } from './paths.js';

const root = '/srv/page';

test('maps request paths to files under the page folder', () => {
  assert.equal(resolvePagePath(root, '/'), '/srv/page/index.html');
  assert.equal(resolvePagePath(root, '/assets/index-abc.js'), '/srv/page/assets/index-abc.js');
  assert.equal(resolvePagePath(root, '/a%20b.css'), '/srv/page/a b.css');
});

test('refuses paths that leave the page folder or are malformed', () => {
  for (const path of ['/../etc/passwd', '/%2e%2e/etc/passwd', '/assets/../../etc/passwd', '/%E0%A4%A', '/x%00.js', '/..', '/%2e%2e%2fpage-secret']) {
    assert.equal(resolvePagePath(root, path), undefined, path);
  }
});
