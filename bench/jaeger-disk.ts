// Jaeger's disk: what a span takes in Badger, through the real collector and Jaeger (the native
// builds, with the configs as shipped), and so what Badger's 72 hours (`ttl.spans`) of spans take.
// First whole traces of a click (whole-traces.ts); then the largest requests the page's receiver
// takes (just under its 30,000-byte cap, values that do not compress), as a visitor could send them
// through the page server's relay. Jaeger stops after each phase, which closes Badger and writes its
// memtables out, and `du` measures the allocated size of its folder.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { metricSum } from '@hello-trace/harness/testing/metrics';
import { startCollector, startJaeger, type Collector, type JaegerPorts } from '@hello-trace/harness/testing/pipeline';
import { offerWholeTraces } from './whole-traces.ts';

const CLICK_SPANS_PER_SECOND = Number(process.env.BENCH_SPANS_PER_SECOND ?? 2000);
const CLICK_SECONDS = Number(process.env.BENCH_DURATION_S ?? 30);
const LARGE_REQUESTS = Number(process.env.BENCH_LARGE_REQUESTS ?? 1000);
const BODY_CAP = 30_000;
const VALUE_CAP = 8192;
const TTL_SECONDS = 72 * 3600;
const RELAY_RATE = 10;

const gigabytes = (bytes: number) => (bytes / 1e9).toFixed(1);

/** Allocated bytes under `dir`, as `du` counts them (not the files' apparent sizes). */
async function diskBytes(dir: string): Promise<number> {
  const { stdout } = await promisify(execFile)('du', ['-s', '--block-size=1', dir]);
  return Number(stdout.split('\t')[0]);
}

/** Waits until the collector has handed Jaeger every span it accepted; fails on a span it could not. */
async function delivered(collector: Collector): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const text = await (await fetch(collector.metricsUrl)).text();
    const [accepted, sent, failed] = [
      'otelcol_receiver_accepted_spans',
      'otelcol_exporter_sent_spans',
      'otelcol_exporter_send_failed_spans',
    ].map((metric) => metricSum(text, metric));
    if (failed > 0) throw new Error(`the collector could not deliver ${failed} spans to Jaeger`);
    if (accepted > 0 && sent === accepted) return sent;
    if (Date.now() > deadline) throw new Error(`Jaeger holds ${sent} of the ${accepted} spans after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A string attribute of `length` random base64 characters. */
const random = (key: string, length: number) => ({
  key,
  value: { stringValue: randomBytes(length).toString('base64').slice(0, length) },
});

/** One span in OTLP/JSON: three attributes of VALUE_CAP random characters and one of `lastLength`. */
function largeBody(lastLength: number): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hello-web' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: 'large',
                kind: 1,
                startTimeUnixNano: `${Date.now()}000000`,
                endTimeUnixNano: `${Date.now() + 1}000000`,
                attributes: [
                  random('a', VALUE_CAP),
                  random('b', VALUE_CAP),
                  random('c', VALUE_CAP),
                  random('d', lastLength),
                ],
              },
            ],
          },
        ],
      },
    ],
  });
}

/** The largest request the page's receiver takes: just under BODY_CAP bytes of values Snappy cannot shrink. */
const largeRequest = () => largeBody(BODY_CAP - largeBody(0).length - 1);

async function sendLarge(browserUrl: string, count: number): Promise<number> {
  let bytes = 0;
  let next = 0;
  const sender = async () => {
    while (next++ < count) {
      const body = largeRequest();
      bytes += body.length;
      const response = await fetch(`${browserUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      if (!response.ok) throw new Error(`the browser receiver answered ${response.status}: ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 4 }, sender));
  return bytes;
}

/** Jaeger on `dataDir`, the collector in front of it, `load` sent through them; the spans stored and the folder's size after. */
async function phase(
  dataDir: string,
  ports: JaegerPorts,
  load: (collector: Collector) => Promise<unknown>,
): Promise<{ spans: number; bytes: number }> {
  const jaeger = await startJaeger({ dataDir, ports });
  const collector = await startCollector({ jaegerOtlpPort: jaeger.ports.otlp });
  let spans = 0;
  try {
    await load(collector);
    spans = await delivered(collector);
  } finally {
    await collector.stop();
    await jaeger.stop();
  }
  return { spans, bytes: await diskBytes(dataDir) };
}

const dataDir = await mkdtemp(join(tmpdir(), 'jaeger-disk-'));
try {
  // An empty store, as Jaeger leaves it.
  const jaeger = await startJaeger({ dataDir });
  await jaeger.stop();
  const empty = { bytes: await diskBytes(dataDir), ports: jaeger.ports };
  const clicks = await phase(dataDir, empty.ports, (collector) =>
    offerWholeTraces({
      pageUrl: collector.browserUrl,
      serverUrl: collector.url,
      spansPerSecond: CLICK_SPANS_PER_SECOND,
      seconds: CLICK_SECONDS,
    }),
  );
  let sentBytes = 0;
  const large = await phase(dataDir, empty.ports, async (collector) => {
    sentBytes = await sendLarge(collector.browserUrl, LARGE_REQUESTS);
  });

  const perClickSpan = (clicks.bytes - empty.bytes) / clicks.spans;
  const perLarge = (large.bytes - clicks.bytes) / large.spans;
  console.log(`
| load | spans stored | disk before | disk after | per span |
| --- | ---: | ---: | ---: | ---: |
| whole traces of a click, ${CLICK_SPANS_PER_SECOND} spans a second for ${CLICK_SECONDS} s | ${clicks.spans} | ${empty.bytes} | ${clicks.bytes} | ${Math.round(perClickSpan)} B |
| requests of ${Math.round(sentBytes / large.spans)} bytes to the page's receiver, one span each | ${large.spans} | ${clicks.bytes} | ${large.bytes} | ${Math.round(perLarge)} B |

72 hours of spans (ttl.spans), at 10 clicks a second (4 spans each): ${gigabytes(perClickSpan * 40 * TTL_SECONDS)} GB.
72 hours of the largest requests from one address at the relay's ${RELAY_RATE} a second: ${gigabytes(perLarge * RELAY_RATE * TTL_SECONDS)} GB.`);
  console.log(
    JSON.stringify({
      emptyBytes: empty.bytes,
      clickSpans: clicks.spans,
      clickBytesPerSpan: Math.round(perClickSpan),
      largeSpans: large.spans,
      largeRequestBytes: Math.round(sentBytes / large.spans),
      largeBytesPerSpan: Math.round(perLarge),
    }),
  );
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
