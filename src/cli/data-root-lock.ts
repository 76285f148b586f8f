import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Conflict } from '../engine/errors.js';

/**
 * One daemon per data root. dockerd refuses a second daemon on the same root because
 * its databases there are locked ("failed to start daemon: error while opening volume
 * store metadata database: timeout"); berth's state is one SQLite file that a second
 * process would happily share, restarting and stopping the first one's containers.
 * So the root holds `berth.lock`: the pid and start time (/proc/PID/stat field 22) of
 * the daemon using it. A holder counts only while that very process lives, so a
 * crashed daemon's lock never keeps the next one out.
 */
const LOCK = 'berth.lock';

export function lockDataRoot(dataRoot: string, pid = process.pid): void {
  const path = join(dataRoot, LOCK);
  const me = `${pid} ${startTime(pid) ?? 0}\n`;
  try {
    writeFileSync(path, me, { flag: 'wx', mode: 0o600 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = readHolder(path);
  if (holder && holder.pid !== pid && startTime(holder.pid) === holder.start) {
    throw new Conflict(`failed to start daemon: error while opening the data root ${dataRoot}: it is in use by another berth daemon (pid ${holder.pid})`);
  }
  writeFileSync(path, me, { mode: 0o600 });
}

/** Remove the lock if it is still ours. */
export function unlockDataRoot(dataRoot: string, pid = process.pid): void {
  const path = join(dataRoot, LOCK);
  if (readHolder(path)?.pid === pid) rmSync(path, { force: true });
}

function readHolder(path: string): { pid: number; start: number } | null {
  try {
    const [pid, start] = readFileSync(path, 'utf8').trim().split(/\s+/).map((w) => Number.parseInt(w, 10));
    return pid && pid > 0 ? { pid, start: start ?? 0 } : null;
  } catch {
    return null;
  }
}

/**
 * The process's start time in clock ticks since boot, or null when it is gone. A
 * zombie is gone too: a daemon killed with SIGKILL stays one until its parent reaps
 * it, and where that parent is an init that reaps late (or never), its lock would
 * otherwise keep the next daemon out.
 */
function startTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return Number.parseInt(fields[19]!, 10);
  } catch {
    return null;
  }
}
