import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { RunningProcess } from './processes.ts';

/** A new trace's id and the W3C `traceparent` header that starts it, sampled unless told otherwise. */
export function newTraceparent(sampled = true): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-${sampled ? '01' : '00'}` };
}

/** The spans a server logged as dropped (its batch processor's `Dropped N spans because maxQueueSize reached`). */
export function droppedSpansLogged(output: string): number {
  return [...output.matchAll(/Dropped (\d+) spans/g)].reduce((sum, [, count]) => sum + Number(count), 0);
}

export interface SteadyLoad {
  /** Trace ids of the requests answered `hello:GoFrame`, in order. */
  answered: string[];
  failed(): number;
  /** Stops sending and waits for the answers still on their way. */
  stop(): Promise<void>;
}

/**
 * GET /hello's rate for a load that comes from one client, as the tests' and the benches' loads do:
 * far above what they send (the server's default is a visitor's, HELLO_RATE in docs/settings.md).
 */
export const ONE_CLIENT_LOAD_RATE = { HELLO_RATE: '1000000', HELLO_BURST: '1000000', HELLO_TOTAL_RATE: '1000000' };

/** Sends `GET /hello` with the page's baggage and a sampled traceparent of its own, `perSecond` times a second. */
export function steadyLoad(serverUrl: string, perSecond: number): SteadyLoad {
  const answered: string[] = [];
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const send = () => {
    const { traceId, traceparent } = newTraceparent();
    const headers = { traceparent, baggage: 'name=GoFrame' };
    const request: Promise<void> = fetch(`${serverUrl}/hello`, { headers })
      .then(async (response) => {
        if ((await response.text()) === 'hello:GoFrame') answered.push(traceId);
        else failed++;
      })
      .catch(() => void failed++)
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  const timer = setInterval(send, 1000 / perSecond);
  return {
    answered,
    failed: () => failed,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

/**
 * A process's resident memory, now and at its peak so far, in MiB, and its own part now (`anon`): the
 * resident memory less the pages of files it maps, which the kernel may drop and read again, such as
 * a collector's queue on disk.
 */
export async function memoryMiB(process: RunningProcess): Promise<{ rss: number; peak: number; anon: number }> {
  const status = await readFile(`/proc/${process.child.pid}/status`, 'utf8');
  const field = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+)`))![1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM'), anon: field('RssAnon') };
}
