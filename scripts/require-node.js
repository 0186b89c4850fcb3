// Runs before every start command, on whatever Node.js is installed, and stops it with one line when
// that Node.js is older than the package's "engines" field asks (the code is TypeScript that only
// Node.js 24 and later run as it is). Plain JavaScript, so that an old Node.js can run it.
import { readFileSync } from 'node:fs';

// npm names the package.json of the script it runs; run by hand, this is the project's.
const manifest = process.env.npm_package_json || new URL('../package.json', import.meta.url);
const range = JSON.parse(readFileSync(manifest, 'utf8')).engines.node;
const needed = Number(/^>=\s*(\d+)$/.exec(range)[1]);
const running = Number(process.versions.node.split('.')[0]);
if (running < needed) {
  console.error(
    `hello-trace needs Node.js ${needed} or later, but ${process.execPath} is Node.js ${process.version}: ` +
      `install Node.js ${needed} LTS (https://nodejs.org/en/download, or \`nvm install ${needed}\`) and run this again.`,
  );
  process.exit(1);
}
