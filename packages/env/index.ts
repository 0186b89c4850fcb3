// The readers of every setting that hello-trace's programs take from the environment. Each throws an
// error that names the variable, says what it must be, and quotes what it got; each program reads its
// settings once at start, and stops with that one line when one is malformed.

export type Env = Record<string, string | undefined>;

function refuse(name: string, what: string, value: string): never {
  throw new Error(`${name} must be ${what}, got "${value}"`);
}

/**
 * `env[name]`, or `fallback` when unset or empty. Without a fallback the variable must be set: `.env`
 * at the repository root holds every port and every setting that more than one part reads, with its
 * default, and every start command (npm start, docker compose, the tests) passes it on.
 */
function valueOf(env: Env, name: string, fallback?: number): string {
  const value = env[name] || (fallback === undefined ? undefined : String(fallback));
  if (value === undefined) {
    throw new Error(
      `${name} is not set: .env at the repository root holds it, which npm start and docker compose pass on`,
    );
  }
  return value;
}

/** The port in `env[name]`, which must be set: ports have no fallback (see valueOf). */
export function readPort(env: Env, name: string): number {
  const value = valueOf(env, name);
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) refuse(name, 'a whole number from 0 to 65535', value);
  return Number(value);
}

/** The whole number in `env[name]`, at least `min` (1 by default), or `fallback` when unset or empty (see valueOf). */
export function readCount(env: Env, name: string, fallback?: number, min = 1): number {
  const value = valueOf(env, name, fallback);
  if (!/^\d{1,7}$/.test(value) || Number(value) < min) {
    const example = fallback === undefined ? '' : ` such as ${fallback}`;
    refuse(name, `a whole number ${min === 0 ? '(0 or more)' : `above ${min - 1}`}${example}`, value);
  }
  return Number(value);
}

/** The percentage from 0 to 100 in `env[name]` (decimals allowed), or `fallback` when unset or empty (see valueOf). */
export function readPercent(env: Env, name: string, fallback?: number): number {
  const value = valueOf(env, name, fallback);
  if (!/^\d{1,3}(\.\d+)?$/.test(value) || Number(value) > 100) {
    refuse(name, `a percentage from 0 to 100${fallback === undefined ? '' : ` such as ${fallback}`}`, value);
  }
  return Number(value);
}

/** The ratio from 0 to 1 in `env[name]` (`0`, `0.25`, `1`), which must be set (see valueOf). */
export function readRatio(env: Env, name: string): number {
  const value = valueOf(env, name);
  if (!/^[01](\.\d+)?$/.test(value) || Number(value) > 1) refuse(name, 'a ratio from 0 to 1 such as 0.25', value);
  return Number(value);
}

/** `true` or `false` in `env[name]`, or `fallback` when unset or empty. */
export function readSwitch(env: Env, name: string, fallback = false): boolean {
  return readChoice(env, name, ['true', 'false'], String(fallback) as 'true' | 'false') === 'true';
}

/** One of `choices` in `env[name]`, or `fallback` when unset or empty. */
export function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const value = env[name] || fallback;
  if (!choices.includes(value as T)) refuse(name, choices.join(' or '), value);
  return value as T;
}

/**
 * The http(s) URL in `env[name]`, or the `fallback` when unset or empty, without trailing slashes, to
 * put paths after; no query, fragment or credentials.
 */
export function readUrl(env: Env, name: string, fallback: string | (() => string)): string {
  const value = env[name] || (typeof fallback === 'function' ? fallback() : fallback);
  const url = URL.parse(value);
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username) {
    refuse(name, 'an http(s) URL with no query, fragment or credentials', value);
  }
  return value.replace(/\/+$/, '');
}

/** The items of a comma-separated list, trimmed, without empty ones. */
function itemsOf(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A comma-separated list of origins (scheme, host and port) in `env[name]`, or the `fallback` when unset. */
export function readOrigins(env: Env, name: string, fallback: string | (() => string)): string[] {
  const origins = itemsOf(env[name] ?? (typeof fallback === 'function' ? fallback() : fallback));
  for (const origin of origins) {
    if (URL.parse(origin)?.origin !== origin) {
      refuse(
        name,
        'a list of origins such as http://localhost:5173 (scheme, host and port, no path or trailing slash)',
        origin,
      );
    }
  }
  return origins;
}

/** A comma-separated list of query parameter names in `env[name]` (`session_id,auth`); none when unset. */
export function readQueryParamNames(env: Env, name: string): string[] {
  const names = itemsOf(env[name] ?? '');
  for (const param of names) {
    if (/[\s&=?#]/.test(param)) refuse(name, 'a list of query parameter names such as session_id,auth', param);
  }
  return names;
}

/**
 * A comma-separated list of host names in `env[name]`, as a Host header names them without its port
 * (`hello.example`, `192.0.2.1`, `[2001:db8::1]`), lowercased; none when unset.
 */
export function readHostNames(env: Env, name: string): string[] {
  const names = itemsOf(env[name] ?? '').map((host) => host.toLowerCase());
  for (const host of names) {
    if (!/^([a-z0-9.-]+|\[[0-9a-f:.]+\])$/.test(host) || URL.parse(`http://${host}`)?.host !== host) {
      refuse(name, 'a list of host names such as hello.example (no scheme, port or path)', host);
    }
  }
  return names;
}

/** An IP address range: an address and how many of its leading bits a member shares with it. */
export interface Subnet {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * A comma-separated list of IP addresses and CIDR ranges in `env[name]` (`10.0.0.0/8`, `192.0.2.7`,
 * `2001:db8::/32`); none when unset.
 */
export function readSubnets(env: Env, name: string): Subnet[] {
  return itemsOf(env[name] ?? '').map((item) => {
    const [address, prefix, ...rest] = item.split('/');
    const family = ipFamily(address);
    const bits = family === 'ipv4' ? 32 : 128;
    if (!family || rest.length > 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) || Number(prefix) > bits) {
      refuse(name, 'a list of IP addresses or CIDR ranges such as 10.0.0.0/8, 192.0.2.7, 2001:db8::/32', item);
    }
    return { address, prefix: prefix === undefined ? bits : Number(prefix), family };
  });
}

/** Whether `address` is an IPv4 address in dotted decimal, an IPv6 address, or neither. */
function ipFamily(address: string): Subnet['family'] | undefined {
  // The URL parser knows both syntaxes, in Node.js and in the browser alike.
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(address))
    return URL.parse(`http://${address}`)?.hostname === address ? 'ipv4' : undefined;
  return address.includes(':') && URL.parse(`http://[${address}]`) ? 'ipv6' : undefined;
}
