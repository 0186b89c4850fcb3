import type { JaegerUiAnswer } from '@hello-trace/page-api';

/** The trace in Jaeger's UI. */
export function jaegerTraceUrl(jaegerUiUrl: string, traceId: string): string {
  return `${jaegerUiUrl}/trace/${traceId}`;
}

/** The trace as JSON from Jaeger's query API, which every Jaeger serves, with or without its UI. */
export function jaegerApiTraceUrl(jaegerUiUrl: string, traceId: string): string {
  return `${jaegerUiUrl}/api/v3/traces/${traceId}`;
}

/** Where a link to the trace goes: Jaeger's UI, unless the page server found that Jaeger serves none. */
export function traceLink(jaegerUiUrl: string, traceId: string, jaegerUi: JaegerUiAnswer | undefined): string {
  return jaegerUi?.ui === false ? jaegerApiTraceUrl(jaegerUiUrl, traceId) : jaegerTraceUrl(jaegerUiUrl, traceId);
}
