/**
 * The whole number above 0 in `env[name]`, or `fallback` when unset or empty; throws an error naming
 * the variable when it is anything else.
 */
export function readCount(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const value = env[name] || String(fallback);
  if (!/^\d{1,6}$/.test(value) || Number(value) === 0) {
    throw new Error(`${name} must be a whole number above 0 such as ${fallback}, got "${value}"`);
  }
  return Number(value);
}
