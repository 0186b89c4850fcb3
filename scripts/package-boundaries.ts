// Which relative imports leave the package they are written in. Each package (a folder with a
// package.json, and scripts/) is a unit that others reach by its name only: what two packages share
// is a package of its own, never a path into another one's files.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, posix } from 'node:path';

/** One relative import that leaves its package. */
export interface Crossing {
  file: string;
  specifier: string;
  /** The package it is written in. */
  from: string;
  /** Where the import leads. */
  to: string;
}

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
// import … from '…' and export … from '…' (from the start of a line, across lines), import '…',
// import('…') and require('…'); not the same words inside a string.
const SPECIFIERS = [
  /^\s*(?:import|export)\b[^'"]*?\bfrom\s*(['"])(\.{1,2}\/[^'"]*)\1/gm,
  /^\s*import\s*(['"])(\.{1,2}\/[^'"]*)\1/gm,
  /(?<!['"`\w])(?:import|require)\s*\(\s*(['"])(\.{1,2}\/[^'"]*)\1/g,
];

/** The crossings among `files` (path → source text), where `roots` are the packages' folders. */
export function findCrossings(files: Map<string, string>, roots: string[]): Crossing[] {
  const rootOf = (path: string) =>
    roots
      .filter((root) => root === '.' || path === root || path.startsWith(`${root}/`))
      .reduce((longest, root) => (root.length > longest.length ? root : longest), '.');
  const crossings: Crossing[] = [];
  for (const [file, text] of files) {
    const from = rootOf(file);
    for (const [, , specifier] of SPECIFIERS.flatMap((pattern) => [...text.matchAll(pattern)])) {
      const to = posix.normalize(posix.join(posix.dirname(file), specifier));
      if (to.startsWith('../') || rootOf(to) !== from) crossings.push({ file, specifier, from, to });
    }
  }
  return crossings;
}

/** The repository's crossings: every source file git knows of or would add, outside node_modules. */
export function repositoryCrossings(repoRoot: string): Crossing[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((path) => path && existsSync(join(repoRoot, path)));
  const roots = [
    ...listed.filter((path) => posix.basename(path) === 'package.json').map((path) => posix.dirname(path)),
    'scripts',
  ];
  const files = new Map(
    listed
      .filter((path) => SOURCE.test(path) && !path.split('/').includes('node_modules'))
      .map((path) => [path, readFileSync(join(repoRoot, path), 'utf8')]),
  );
  return findCrossings(files, roots);
}

export const repoRoot = normalize(join(dirname(new URL(import.meta.url).pathname), '..'));
