// Runs before every start command, on whatever Node.js is installed, and stops it with one line when
// that Node.js is older than the package's "engines" field asks (the code is TypeScript that only
// Node.js 24 and later run as it is, and the server's tracing needs 24.11.1's module.registerHooks).
// The line names the release to install: .env's NODE_VERSION, the one the project runs on.
// Plain JavaScript, so that an old Node.js can run it.
import { readFileSync } from 'node:fs';

// npm names the package.json of the script it runs; run by hand, this is the project's.
const manifest = process.env.npm_package_json || new URL('../package.json', import.meta.url);
const range = JSON.parse(readFileSync(manifest, 'utf8')).engines.node;
const needed = /^>=\s*(\d+\.\d+\.\d+)$/.exec(range)[1];
const recommended = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(new URL('../.env', import.meta.url), 'utf8'))[1];

/** Negative when release `a` is older than `b`. */
function compare(a, b) {
  const [x, y] = [a, b].map((release) => release.split('.').map(Number));
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

if (compare(process.versions.node, needed) < 0) {
  console.error(
    `hello-trace needs Node.js ${needed} or later, but ${process.execPath} is Node.js ${process.version}: ` +
      `install Node.js ${recommended} (https://nodejs.org/en/download, or \`nvm install ${recommended}\`) and run this again.`,
  );
  process.exit(1);
}
