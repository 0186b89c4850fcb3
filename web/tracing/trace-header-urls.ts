// Which requests fetch sends trace headers with: each origin named, exactly. A string or a loose
// pattern in propagateTraceHeaderCorsUrls would also match other origins (http://api.example.com.evil.example),
// and /.*/ sends the headers, and a CORS preflight, to every origin the page calls.

/** The propagateTraceHeaderCorsUrls pattern for each origin: every URL on it, and nothing else. */
export function traceHeaderUrls(origins: string[]): RegExp[] {
  return origins.map((origin) => {
    if (URL.parse(origin)?.origin !== origin) {
      throw new Error(
        `traceHeaderOrigins: "${origin}" is not an origin; give the scheme, host and port only, such as https://api.example.com`,
      );
    }
    return new RegExp(`^${escapeRegExp(origin)}(/|$)`);
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
