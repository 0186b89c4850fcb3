// The stack's ports and the settings that more than one part reads, from .env at the repository root,
// the one place that holds them with their defaults, for the start commands, the tests and the
// benchmarks. A variable set in the environment wins over .env's.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { repoRoot } from './native.ts';

/** .env's groups (its `# --- name:` lines): what both stacks listen on, then each stack's own. */
type Section = 'both' | 'small' | 'scale';

interface Variable {
  name: string;
  value: string;
  section: Section;
}

async function dotEnv(): Promise<Variable[]> {
  const text = await readFile(join(repoRoot, '.env'), 'utf8');
  const values = parseEnv(text) as Record<string, string>;
  const variables: Variable[] = [];
  let section: string | undefined;
  for (const line of text.split('\n')) {
    section = /^# --- (\w+):/.exec(line)?.[1] ?? section;
    const name = /^(\w+)=/.exec(line)?.[1];
    if (!name) continue;
    if (section !== 'both' && section !== 'small' && section !== 'scale') {
      throw new Error(`.env lists ${name} outside a "# --- both:", "# --- small:" or "# --- scale:" group`);
    }
    variables.push({ name, value: values[name], section });
  }
  return variables;
}

/** Every variable of .env, where `overrides` (the environment) wins: what every part of a stack gets. */
export async function stackEnv(
  overrides: Record<string, string | undefined> = process.env,
): Promise<Record<string, string>> {
  const env = Object.fromEntries((await dotEnv()).map(({ name, value }) => [name, value]));
  return { ...env, ...overrides } as Record<string, string>;
}

/** The names of the port variables that `stack` listens on, or of every port in .env. */
export async function portNames(stack?: 'small' | 'scale'): Promise<string[]> {
  return (await dotEnv())
    .filter(({ name, section }) => name.endsWith('_PORT') && (!stack || section === 'both' || section === stack))
    .map(({ name }) => name);
}
