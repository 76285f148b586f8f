/**
 * Finds the cgroup hierarchies from /proc/self/mountinfo: which version the host runs
 * (`/info` reports it as CgroupVersion) and where each v1 controller or the v2
 * unified tree is mounted. Combined v1 mounts (cpu,cpuacct) map both names to one dir.
 */
import { readFile } from 'node:fs/promises';
import type { CgroupVersion } from './types.js';

export interface CgroupMounts {
  /** v1 controller name → mount point. */
  v1: Map<string, string>;
  /** Mount point of the unified (cgroup2) hierarchy, if any. */
  unified?: string;
}

/** The v1 controllers berth uses. */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids'] as const;

/** Parses mountinfo text (exported for tests with fixed input). */
export function parseMountinfo(text: string): CgroupMounts {
  const out: CgroupMounts = { v1: new Map() };
  for (const line of text.split('\n')) {
    // id parent major:minor root mountpoint opts [optional...] - fstype source superopts
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    const mountpoint = (left[4] ?? '').replace(/\\040/g, ' ');
    if (fstype === 'cgroup2') {
      out.unified ??= mountpoint;
    } else if (fstype === 'cgroup') {
      for (const opt of superOpts.split(',')) {
        if ((V1_CONTROLLERS as readonly string[]).includes(opt) && !out.v1.has(opt)) out.v1.set(opt, mountpoint);
      }
    }
  }
  return out;
}

/** The last read, reused for a second: a create and its start each look several times. */
let recent: { at: number; mounts: Promise<CgroupMounts> } | undefined;
const REUSE_MS = 1000;

export async function cgroupMounts(): Promise<CgroupMounts> {
  const now = Date.now();
  if (!recent || now - recent.at > REUSE_MS) {
    const mounts = readFile('/proc/self/mountinfo', 'utf8').then(parseMountinfo);
    recent = { at: now, mounts };
    mounts.catch(() => { if (recent?.mounts === mounts) recent = undefined; });
  }
  // A copy: callers may keep or change what they get.
  const m = await recent.mounts;
  return { v1: new Map(m.v1), ...(m.unified !== undefined ? { unified: m.unified } : {}) };
}

/**
 * '2' when /sys/fs/cgroup itself is the unified hierarchy (or no v1 controller is
 * mounted anywhere), else '1' — a hybrid host with an empty cgroup2 at
 * /sys/fs/cgroup/unified still runs its controllers on v1.
 */
export async function cgroupVersion(): Promise<CgroupVersion> {
  return versionOf(await cgroupMounts());
}

export function versionOf(m: CgroupMounts): CgroupVersion {
  if (m.unified === '/sys/fs/cgroup') return '2';
  return m.v1.size === 0 && m.unified ? '2' : '1';
}
