/** Process facts from /proc, for liveness checks that survive pid reuse. */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Field 22 of /proc/<pid>/stat (start time in ticks) and whether it is a zombie; null when gone. */
export function procStat(pid: number): { start: number; zombie: boolean } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which may itself hold spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { zombie: rest[0] === 'Z', start: Number(rest[19]) };
  } catch {
    return null;
  }
}

/** Running (a zombie counts as gone), and the same process when `start` is given. */
export function alive(pid: number, start?: number): boolean {
  if (!(pid > 0)) return false;
  const s = procStat(pid);
  return s !== null && !s.zombie && (start === undefined || s.start === start);
}

/**
 * Resolves once `pid` is gone (true) or after `ms` (false). The first looks come
 * quickly: a released shim is usually gone within a few ms, and a `run --rm` waits
 * for it.
 */
export async function gone(pid: number, ms: number, start?: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (let step = 1; alive(pid, start); step = Math.min(step * 2, 200)) {
    if (Date.now() > end) return false;
    await sleep(step);
  }
  return true;
}
