// CPU time and resident memory of a process and everything it started (a wrapper such as taskset or
// runuser, and the program under it), from /proc.
import { readdir, readFile } from 'node:fs/promises';

/** utime and stime, in clock ticks of 10 ms. */
const TICK_MICROS = 10_000;

async function stat(pid: number): Promise<string[] | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The fields after the command name, which may hold spaces and parentheses: state is [0], ppid [1].
  return text?.slice(text.lastIndexOf(') ') + 2).split(' ');
}

/** `pid` and its descendants, alive now. */
export async function processTree(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = await stat(Number(entry));
    if (!fields) continue;
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0;) {
    const next = queue.pop()!;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** CPU time (user and system) these processes have used so far, in microseconds. */
export async function cpuMicros(pids: number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) {
    const fields = await stat(pid);
    if (fields) total += (Number(fields[11]) + Number(fields[12])) * TICK_MICROS;
  }
  return total;
}

/** Their resident memory now (VmRSS), in MiB. */
export async function rssMiB(pids: number[]): Promise<number> {
  let kib = 0;
  for (const pid of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kib += Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
  }
  return kib / 1024;
}
