import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Conflict } from '../engine/errors.js';
import { alive, procStat } from '../drivers/execdriver/native/proc.js';

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
  const me = `${pid} ${procStat(pid)?.start ?? 0}\n`;
  try {
    writeFileSync(path, me, { flag: 'wx', mode: 0o600 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = readHolder(path);
  // alive() counts a zombie as gone: a daemon killed with SIGKILL stays one until its
  // parent reaps it, and where that is an init that reaps late, its lock would keep
  // the next daemon out.
  if (holder && holder.pid !== pid && alive(holder.pid, holder.start)) {
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
