// URLs without secrets: in each URL a span records, credentials (user:password@) and the values of
// sensitive query parameters become REDACTED, as the semantic conventions ask of url.full and url.query.
import type { Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ATTR_URL_FULL, ATTR_URL_QUERY } from '@opentelemetry/semantic-conventions';

/**
 * The query parameters whose values become REDACTED, matched by exact name as instrumentation-http
 * matches them: the semantic conventions' list, the AWS ones instrumentation-http adds to it, and the
 * usual names of secrets.
 */
export const REDACTED_QUERY_PARAMS: readonly string[] = [
  'AWSAccessKeyId',
  'Signature',
  'sig',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'token',
  'access_token',
  'code',
  'password',
  'api_key',
];

const SETTING = 'TRACING_REDACT_QUERY_PARAMS';
const REDACTED = 'REDACTED';

/**
 * REDACTED_QUERY_PARAMS and the names TRACING_REDACT_QUERY_PARAMS adds to them (comma-separated). A
 * name that no query parameter can have (a space, `&`, `=`, `?` or `#` in it) is refused in one line
 * and ignored: a setting never stops the app.
 */
export function redactedQueryParams(env: NodeJS.ProcessEnv = process.env): string[] {
  const added = (env[SETTING] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const refused = added.filter((name) => /[\s&=?#]/.test(name));
  if (refused.length > 0) {
    console.error(
      `OpenTelemetry: ${SETTING} takes names of query parameters separated by commas, such as session_id,auth; ` +
        `${refused.map((name) => `"${name}"`).join(', ')} cannot be one: ignored.`,
    );
  }
  return [...new Set([...REDACTED_QUERY_PARAMS, ...added.filter((name) => !refused.includes(name))])];
}

// scheme://user:password@ (or user@): everything from the scheme to the last @ before the host.
const CREDENTIALS = /\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#]+@/gi;
// A name=value pair at the start, or after the ?, & or # that opens or continues a query or fragment.
const PAIR = /(^|[?&#])([^?&#=\s]+)=([^&#\s]*)/g;

/**
 * `text` (a URL, a query, or a message that names URLs) with the credentials of each URL and the
 * values of the parameters `names` in each query or fragment replaced by REDACTED; nothing else
 * changes. A name is compared decoded (`api%5Fkey` is `api_key`).
 */
export function scrubUrls(text: string, names: ReadonlySet<string>): string {
  return text
    .replace(CREDENTIALS, `$1${REDACTED}:${REDACTED}@`)
    .replace(PAIR, (pair, opener: string, name: string) =>
      names.has(decoded(name)) ? `${opener}${name}=${REDACTED}` : pair,
    );
}

function decoded(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    return name; // malformed percent-encoding: compared as it is.
  }
}

/**
 * The requestHook that scrubs `url.full` and `url.query` as the instrumentation recorded them when the
 * span started, for instrumentation-undici, which redacts nothing (instrumentation-http does it itself,
 * given the same list as `redactedQueryParams` and `redactedQueryParamsServer`).
 */
export function scrubUrlAttributes(names: readonly string[]): (span: Span) => void {
  const redacted = new Set(names);
  return (span) => {
    // The SDK's span is readable; a span that records nothing has no attributes.
    const { attributes } = span as Partial<ReadableSpan>;
    if (!attributes) return;
    for (const key of [ATTR_URL_FULL, ATTR_URL_QUERY]) {
      const value = attributes[key];
      if (typeof value !== 'string') continue;
      const scrubbed = scrubUrls(value, redacted);
      if (scrubbed !== value) span.setAttribute(key, scrubbed);
    }
  };
}
