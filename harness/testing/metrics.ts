// Reading a part's own metrics, in Prometheus' text format, as the collector and Jaeger serve them.

/**
 * The sum of a metric's series (a counter, with or without `_total`, or a gauge) in `text`, over the
 * series whose labels (`a="1",b="2"`, or '' for none) pass `keep`.
 */
export function metricSum(text: string, metric: string, keep: (labels: string) => boolean = () => true): number {
  let sum = 0;
  for (const [, labels = '', value] of text.matchAll(
    new RegExp(`^${metric}(?:_total)?(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'),
  )) {
    if (keep(labels)) sum += Number(value);
  }
  return sum;
}
