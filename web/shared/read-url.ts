/**
 * The http(s) URL in `env[name]`, or `fallback` when unset or empty, without trailing slashes;
 * throws an error naming the variable when it is not an http(s) URL.
 */
export function readUrl(env: Record<string, string | undefined>, name: string, fallback: string): string {
  const value = env[name] || fallback;
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new Error(`${name} must be an http(s) URL such as ${fallback}, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}
