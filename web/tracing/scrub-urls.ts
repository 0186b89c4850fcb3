// URLs without secrets, before the spans leave the page: in each URL a span records, credentials
// (user:password@) and the values of sensitive query parameters become REDACTED, as the semantic
// conventions ask of url.full. The Node side's server/tracing/scrub-urls.ts applies the same rule.
import type { Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-web';
import { ATTR_URL_FULL } from '@opentelemetry/semantic-conventions';

/**
 * The query parameters whose values become REDACTED, matched by exact name: the semantic conventions'
 * list, the AWS ones OpenTelemetry's Node.js http instrumentation adds to it, and the usual names of
 * secrets.
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

const REDACTED = 'REDACTED';
// scheme://user:password@ (or user@): everything from the scheme to the last @ before the host.
const CREDENTIALS = /\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#]+@/gi;
// A name=value pair at the start, or after the ?, & or # that opens or continues a query or fragment.
const PAIR = /(^|[?&#])([^?&#=\s]+)=([^&#\s]*)/g;

/** Scrubs a text: a URL, or a message or stack trace that names URLs. */
export type Scrub = (text: string) => string;

/**
 * What scrubs each text: the credentials of each URL in it, and the values of REDACTED_QUERY_PARAMS
 * and `moreNames` in each query or fragment, become REDACTED; nothing else changes. A name is compared
 * decoded (`api%5Fkey` is `api_key`). Throws on a name that no query parameter can have.
 */
export function urlScrubber(moreNames: readonly string[] = []): Scrub {
  for (const name of moreNames) {
    if (!name || /[\s&=?#]/.test(name)) {
      throw new Error(
        `redactQueryParams: "${name}" is not the name of a query parameter; give names such as session_id`,
      );
    }
  }
  const names = new Set([...REDACTED_QUERY_PARAMS, ...moreNames]);
  return (text) =>
    text
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
 * The hook that scrubs a span's `url.full` as the instrumentation recorded it: the fetch
 * instrumentation's `requestHook` and the document-load instrumentation's
 * `applyCustomAttributesOnSpan`, which both run before the span ends.
 */
export function scrubUrlFull(scrub: Scrub): (span: Span) => void {
  return (span) => {
    // The SDK's span is readable; a span that records nothing has no attributes.
    const url = (span as Partial<ReadableSpan>).attributes?.[ATTR_URL_FULL];
    if (typeof url === 'string') span.setAttribute(ATTR_URL_FULL, scrub(url));
  };
}
