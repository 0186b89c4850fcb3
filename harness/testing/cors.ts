/**
 * Sends the CORS preflight that the page's OTLP export makes to the collector at `collectorUrl`, from
 * `origin`; returns the origin the collector allows (Access-Control-Allow-Origin), or null.
 */
export async function preflight(collectorUrl: string, origin: string): Promise<string | null> {
  const response = await fetch(`${collectorUrl}/v1/traces`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    },
  });
  return response.headers.get('access-control-allow-origin');
}
