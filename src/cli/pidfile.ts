import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Conflict } from '../engine/errors.js';

/**
 * The pidfile keeps two daemons off the same state. A pid in the file blocks only
 * while that process is alive AND looks like berth (node running berth): after a
 * crash and a reboot the number may belong to something unrelated, which must not
 * keep the daemon down.
 */
export function claimPidfile(path: string, pid = process.pid): void {
  const holder = readPid(path);
  if (holder !== null && holder !== pid && isBerth(holder)) {
    throw new Conflict(`failed to start daemon: pid file found, ensure berth is not running or delete ${path}`);
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, String(pid));
}

/** Remove the pidfile if it is still ours (never another daemon's). */
export function releasePidfile(path: string, pid = process.pid): void {
  if (readPid(path) === pid) rmSync(path, { force: true });
}

function readPid(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Alive and a berth daemon: its command line names berth (bin/berth, a berth path)
 * or berth's compiled entry point (dist/src/cli/main.js).
 */
export function isBerth(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false; // gone (or /proc hides it): not a live daemon we can see
  }
  const argv = cmdline.split('\0').filter(Boolean);
  return argv.some((a) => /berth/.test(a) || /(^|\/)src\/cli\/main\.js$/.test(a));
}
