/**
 * Helpers for the cgroup tests: children the test owns and a cleanup that leaves no
 * group behind even when an assertion failed halfway. Not used by the daemon.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

export const uniqueParent = (): string => `berth-test-${randomBytes(4).toString('hex')}`;

/** A child that waits for a line on stdin, then runs `then` (so it starts working after `apply`). */
export function spawnWaiting(then: string): ChildProcess {
  return spawn('/bin/sh', ['-c', `read x; ${then}`], { stdio: ['pipe', 'ignore', 'ignore'] });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Kills our child by its PID if it still runs. */
export function killChild(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch { /* already gone */ }
  }
}

export async function comm(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
}

/** Removes `<mount>/<parent>/<leaf>` then `<mount>/<parent>` in each mount, ignoring what is gone. */
export async function removeTree(mounts: Iterable<string>, parent: string, leaf: string): Promise<void> {
  for (const m of new Set(mounts)) {
    for (const d of [join(m, parent, leaf), join(m, parent)]) await rmdir(d).catch(() => undefined);
  }
}
