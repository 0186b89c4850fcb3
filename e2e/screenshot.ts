// `npm run screenshot`: the picture in README.md, docs/page.png, taken from the native stack as a user
// sees it: `npm start` on .env's addresses, one click on "Say hello", its waterfall, one bar opened.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickSayHello, launchChromium, waitForWaterfall } from '@hello-trace/harness/testing/page';
import { repoRoot, startStack } from '@hello-trace/harness/testing/processes';

const dataDir = await mkdtemp(join(tmpdir(), 'hello-trace-screenshot-'));
const stack = await startStack({
  JAEGER_DATA_DIR: join(dataDir, 'jaeger'),
  COLLECTOR_DATA_DIR: join(dataDir, 'collector'),
});
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(stack.output().match(/Open (http\S+) /)![1]);
  await clickSayHello(page);
  await waitForWaterfall(page, 30_000);
  await page.getByTestId('span-row').filter({ hasText: 'HelloHandler' }).getByRole('button').click();
  const path = join(repoRoot, 'docs/page.png');
  await page.screenshot({ path, fullPage: true });
  console.log(`wrote ${path}`);
} finally {
  await browser.close();
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
}
