/**
 * What a test daemon's containers may leave when a test kills the daemon with
 * SIGKILL or fails halfway: shims and inits (found through the bundles under the
 * test's own exec root, so only processes the test started), and the cgroups under
 * the test's own cgroup parent.
 */
import { readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch { return false; }
}

function list(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

/** Pids of the shims and inits recorded under `<execRoot>/containers/<id>`. */
function bundlePids(execRoot: string): number[] {
  const pids: number[] = [];
  for (const id of list(join(execRoot, 'containers'))) {
    const b = join(execRoot, 'containers', id);
    try {
      const rec = JSON.parse(readFileSync(join(b, 'berth.json'), 'utf8')) as { pid: number; shimPid: number };
      pids.push(rec.pid, rec.shimPid);
    } catch { /* never started */ }
    try { pids.push(Number(readFileSync(join(b, 'shim.pid'), 'utf8'))); } catch { /* gone */ }
  }
  return pids.filter((p) => Number.isInteger(p) && p > 1);
}

/** Every cgroup hierarchy root this machine mounts (v1 controllers and the v2 root). */
function cgroupRoots(): string[] {
  const roots: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (dash > 0 && (f[dash + 1] === 'cgroup' || f[dash + 1] === 'cgroup2')) roots.push(f[4]!);
  }
  return roots;
}

/** Kill the test's leftover container processes, then remove its cgroup parent everywhere. */
export async function reapContainers(execRoot: string, cgroupParent: string): Promise<void> {
  const pids = bundlePids(execRoot);
  for (const pid of pids) if (isAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (let i = 0; i < 100 && pids.some(isAlive); i++) await sleep(20);
  for (const root of cgroupRoots()) {
    const parent = join(root, cgroupParent);
    // Container groups are the parent's subdirectories (cgroupfs files cannot be rmdir'd).
    for (const leaf of list(parent)) {
      try { rmdirSync(join(parent, leaf)); } catch { /* a control file, or busy */ }
    }
    try { rmdirSync(parent); } catch { /* absent */ }
  }
}
