/** Host-wide figures `docker stats` needs beside the cgroup's own: CPU time and memory. */
import { readFile } from 'node:fs/promises';

/** USER_HZ: /proc/stat and cpuacct.stat count in ticks of 1/100 s on Linux. */
export const CLOCK_TICKS = 100;

/** Host CPU time in nanoseconds and the number of online CPUs, from /proc/stat. */
export async function hostCpu(): Promise<{ systemUsage: number; onlineCpus: number }> {
  const text = await readFile('/proc/stat', 'utf8');
  let systemUsage = 0;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'cpu') {
      // user nice system idle iowait irq softirq: the same seven fields dockerd sums.
      const ticks = f.slice(1, 8).reduce((s, v) => s + Number(v), 0);
      systemUsage = (ticks * 1e9) / CLOCK_TICKS;
    } else if (f[0] && /^cpu\d+$/.test(f[0])) onlineCpus++;
  }
  return { systemUsage, onlineCpus };
}

/** MemTotal in bytes: the limit reported for a container without a memory limit. */
export async function hostMemory(): Promise<number> {
  const text = await readFile('/proc/meminfo', 'utf8');
  const m = /^MemTotal:\s+(\d+) kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}
