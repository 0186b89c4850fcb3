import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJaegerUi } from './jaeger-ui.ts';

test('the real UI mounts on jaeger-ui-root, however the attribute is written', () => {
  for (const html of [
    '<div id="jaeger-ui-root"></div>',
    "<div class='app' id='jaeger-ui-root'>",
    '<div id=jaeger-ui-root>',
  ]) {
    assert.deepEqual(readJaegerUi(200, 'OK', `<title>Jaeger UI</title>${html}`), { ui: true }, html);
  }
});

test('the placeholder of a Jaeger built without its UI is no UI, and says why', () => {
  const answer = readJaegerUi(
    200,
    'OK',
    '<title>Test Page</title><h1>🥋: This is not the Jaeger UI you are looking for!</h1>',
  );
  assert.equal(answer.ui, false);
  assert.match(answer.ui ? '' : answer.reason, /built without its UI, as a build from Go modules is/);
});

test('any other page, or an error where the UI would be, is no UI either, and says what Jaeger answered', () => {
  assert.deepEqual(readJaegerUi(200, 'OK', '<title>Welcome to nginx!</title>'), {
    ui: false,
    reason: 'Jaeger answers a page that is not the Jaeger UI where its UI would be.',
  });
  assert.deepEqual(readJaegerUi(404, 'Not Found', '<div id="jaeger-ui-root"></div>'), {
    ui: false,
    reason: 'Jaeger answers 404 Not Found where its UI would be.',
  });
  assert.deepEqual(readJaegerUi(200, 'OK', 'the id jaeger-ui-rooted in prose'), {
    ui: false,
    reason: 'Jaeger answers a page that is not the Jaeger UI where its UI would be.',
  });
});
