// One step of the throughput bench: a set rate of whole traces for some seconds through a stack,
// counted end to end (every span sent must be stored), with each part's CPU and memory over the step
// and what its own metrics say refused, dropped or queued.
import { readFile } from 'node:fs/promises';
import { cpuMicros, processTree, rssMiB } from './process-usage.ts';
import { offerWholeTraces, type OfferedLoad } from './whole-traces.ts';

/** A stack under test, as the bench drives it. */
export interface Stack {
  name: string;
  /** OTLP/HTTP base URLs: the page's receiver and the server's. */
  pageUrl: string;
  serverUrl: string;
  /** The processes to watch, by part; each with its descendants. */
  parts(): { name: string; pid: number }[];
  /** Each part's own metrics, in Prometheus' text format. */
  metricsUrls: Record<string, string>;
  /** How long the stack holds a span by design before it stores it: until the gateways decide, or 0. */
  holdsSpansMs: number;
  /** Spans stored so far, a count that only grows: the step's store rate is read from it. */
  storedTotal(): Promise<number>;
  /** Resolves once the step's spans have had their chance to arrive: all stored, or nothing more for a while. */
  settle(load: Step): Promise<void>;
  /** How many of the step's spans are stored, and whether its traces are whole. */
  count(load: Step): Promise<Stored>;
}

/** A step's load, when it began and ended, and the stack's `storedTotal()` when it began. */
export type Step = OfferedLoad & { startedAt: number; endedAt: number; storedAtStart: number };

export interface Stored {
  spans: number;
  /** Traces checked for all their spans (through Jaeger's API), and how many were whole. */
  tracesChecked: number;
  tracesWhole: number;
}

export interface PartUsage {
  /** CPU time (user and system) over the step, from its start until its spans settled, in µs. */
  cpuMicros: number;
  /** The same per span sent. */
  cpuMicrosPerSpan: number;
  /** Highest resident memory seen during the step. */
  rssMiB: number;
}

export interface StepResult {
  spansPerSecond: number;
  seconds: number;
  offered: OfferedLoad;
  stored: Stored;
  lost: number;
  /** From the end of the step's load until its spans had settled. */
  settledAfterS: number;
  /**
   * How fast the store took spans while the load lasted (once the stack's hold had passed): the
   * offered rate when it keeps up; less when a queue in front of it grows.
   */
  storedPerSecond: number;
  /** From the step's start until its spans settled. */
  elapsedS: number;
  parts: Record<string, PartUsage>;
  /** This bench's own process, the load generator. */
  sender: PartUsage;
  /** The whole machine's busy CPU over the step, in % of one core (200 on 2 cores), other work included. */
  machineCpuPercent: number;
  /** The 1-minute load average when the step began. */
  loadAverage: number;
  /** Counters that rose (refused, failed, dropped) and the highest queue or lag seen, by part and metric. */
  signals: string[];
}

type Series = Map<string, number>;

/** Prometheus' text format, as series (name and labels) to value. */
async function scrape(url: string): Promise<Series> {
  const text = await fetch(url).then(
    (response) => response.text(),
    () => '',
  );
  const series: Series = new Map();
  for (const [, name, value] of text.matchAll(/^([a-z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/gm)) {
    // Without the instrumentation scope's labels, which only lengthen the lines.
    series.set(name.replace(/,?otel_scope_\w+="[^"]*"/g, '').replace('{,', '{'), Number(value));
  }
  return series;
}

const BAD_COUNTER = /(refused|failed|dropped|rejected|discarded|error)[a-z_]*(_total)?(\{|$)/;
const QUEUE_GAUGE = /_(queue_size|offset_lag_ratio|traces_on_memory)(\{|$)/;
/** The work done downstream: messages through Kafka, documents written in bulk requests. */
const WORK_COUNTER = /_(kafka_exporter_messages|kafka_receiver_messages|bulk_index_inserts)(_total)?(\{|$)/;
/** Histograms of how long a write took: storage's bulk requests, Kafka's produce and fetch. */
const LATENCY_SUM = /^([a-z_]*latency[a-z_]*)_sum(\{.*)?$/;

async function machineBusyTicks(): Promise<number> {
  const [, ...fields] = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal
  return fields.slice(0, 8).reduce((sum, value) => sum + value, 0) - fields[3] - fields[4];
}

/** Spans a second stored between the first sample at or after `from` and the last before `to`. */
function storeRate(samples: { at: number; total: number }[], from: number, to: number): number {
  const first = samples.find(({ at }) => at >= from);
  const last = samples.findLast(({ at }) => at < to);
  if (!first || !last || last.at - first.at < 3000) return Number.NaN;
  return ((last.total - first.total) * 1000) / (last.at - first.at);
}

/** Each part's CPU while nothing is sent, over `seconds`, in % of one core: the background that every step also pays. */
export async function idleCpuPercent(stack: Stack, seconds: number): Promise<Record<string, number>> {
  const trees = await Promise.all(stack.parts().map(async ({ name, pid }) => [name, await processTree(pid)] as const));
  const before = await Promise.all(trees.map(([, tree]) => cpuMicros(tree)));
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await Promise.all(trees.map(([, tree]) => cpuMicros(tree)));
  return Object.fromEntries(trees.map(([name], index) => [name, (after[index] - before[index]) / 1e4 / seconds]));
}

/** Sends `spansPerSecond` for `seconds` through `stack` and counts what it stored. */
export async function runStep(stack: Stack, spansPerSecond: number, seconds: number): Promise<StepResult> {
  const loadAverage = Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
  const trees = Object.fromEntries(
    await Promise.all(stack.parts().map(async ({ name, pid }) => [name, await processTree(pid)] as const)),
  );
  const names = Object.keys(trees);
  const cpuBefore = await Promise.all(names.map((name) => cpuMicros(trees[name])));
  const senderBefore = process.cpuUsage();
  const machineBefore = await machineBusyTicks();
  const countersBefore = await Promise.all(Object.values(stack.metricsUrls).map(scrape));

  // Memory, queues and the store's count, once a second.
  const storedSamples: { at: number; total: number }[] = [];
  const peakRss = names.map(() => 0);
  const peakGauges = new Map<string, number>();
  const storedAtStart = await stack.storedTotal();
  const startedAt = Date.now();
  const sampling = new AbortController();
  const sampler = (async () => {
    while (!sampling.signal.aborted) {
      storedSamples.push({ total: await stack.storedTotal(), at: Date.now() });
      const rss = await Promise.all(names.map((name) => rssMiB(trees[name])));
      rss.forEach((value, index) => (peakRss[index] = Math.max(peakRss[index], value)));
      for (const [part, url] of Object.entries(stack.metricsUrls)) {
        for (const [series, value] of await scrape(url)) {
          const key = `${part}: ${series}`;
          if (QUEUE_GAUGE.test(series)) peakGauges.set(key, Math.max(peakGauges.get(key) ?? 0, value));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  })();

  const offered = await offerWholeTraces({
    pageUrl: stack.pageUrl,
    serverUrl: stack.serverUrl,
    spansPerSecond,
    seconds,
  });
  const step = { ...offered, startedAt, endedAt: Date.now(), storedAtStart };
  await stack.settle(step);
  const elapsedS = (Date.now() - startedAt) / 1000;
  sampling.abort();
  await sampler;

  const cpuAfter = await Promise.all(names.map((name) => cpuMicros(trees[name])));
  const sender = process.cpuUsage(senderBefore);
  const machine = (await machineBusyTicks()) - machineBefore;
  const countersAfter = await Promise.all(Object.values(stack.metricsUrls).map(scrape));
  // Counted after the CPU was read: reading traces back costs the store and the query service.
  const stored = await stack.count(step);

  const usage = (micros: number, rss: number): PartUsage => ({
    cpuMicros: micros,
    cpuMicrosPerSpan: micros / Math.max(1, offered.spansSent),
    rssMiB: rss,
  });
  const signals: string[] = [];
  Object.keys(stack.metricsUrls).forEach((part, index) => {
    for (const [series, value] of countersAfter[index]) {
      const rise = value - (countersBefore[index].get(series) ?? 0);
      if ((BAD_COUNTER.test(series) || WORK_COUNTER.test(series)) && rise > 0)
        signals.push(`${part}: ${series} +${rise}`);
    }
  });
  for (const [key, value] of peakGauges) if (value > 0) signals.push(`${key} up to ${value}`);
  // Each latency histogram's mean over the step, and how many it counted.
  Object.keys(stack.metricsUrls).forEach((part, index) => {
    for (const [series, sum] of countersAfter[index]) {
      const [, name, labels = ''] = series.match(LATENCY_SUM) ?? [];
      if (!name) continue;
      const countSeries = `${name}_count${labels}`;
      const count = (countersAfter[index].get(countSeries) ?? 0) - (countersBefore[index].get(countSeries) ?? 0);
      const mean = (sum - (countersBefore[index].get(series) ?? 0)) / count;
      if (count > 0) signals.push(`${part}: ${name}${labels} mean ${mean.toPrecision(3)} over ${count}`);
    }
  });
  return {
    spansPerSecond,
    seconds,
    offered,
    stored,
    lost: offered.spansSent - stored.spans,
    settledAfterS: (startedAt + elapsedS * 1000 - step.endedAt) / 1000,
    storedPerSecond: storeRate(storedSamples, startedAt + stack.holdsSpansMs + 2000, step.endedAt + stack.holdsSpansMs),
    elapsedS,
    parts: Object.fromEntries(
      names.map((name, index) => [name, usage(cpuAfter[index] - cpuBefore[index], peakRss[index])]),
    ),
    sender: usage(sender.user + sender.system, process.memoryUsage.rss() / 2 ** 20),
    machineCpuPercent: machine / elapsedS,
    loadAverage,
    signals,
  };
}
