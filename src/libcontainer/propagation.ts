/**
 * A bind with shared or slave propagation only works when its source sits on a mount
 * that is itself shared (or a slave): otherwise no event would ever propagate and the
 * option would silently mean nothing. dockerd refuses such binds at start (a 500, its
 * createSpec errors being system errors); so do we.
 */
import { readFile, realpath } from 'node:fs/promises';
import { System } from '../engine/errors.js';
import type { Propagation } from './mounts.js';

export interface MountPropagationInfo {
  mountpoint: string;
  shared: boolean;
  slave: boolean;
}

/** Mount points with their peer-group tags (`shared:N`, `master:N`) from mountinfo text. */
export function parsePropagation(mountinfo: string): MountPropagationInfo[] {
  const out: MountPropagationInfo[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const f = line.slice(0, sep).split(' ');
    const optional = f.slice(6);
    out.push({
      mountpoint: (f[4] ?? '').replace(/\\040/g, ' '),
      shared: optional.some((o) => o.startsWith('shared:')),
      slave: optional.some((o) => o.startsWith('master:')),
    });
  }
  return out;
}

/** The mount holding `path`: the longest mount point that is a prefix of it (last one wins on ties). */
export function mountOf(mounts: MountPropagationInfo[], path: string): MountPropagationInfo | undefined {
  let best: MountPropagationInfo | undefined;
  for (const m of mounts) {
    const inside = m.mountpoint === '/' || path === m.mountpoint || path.startsWith(m.mountpoint + '/');
    if (inside && (!best || m.mountpoint.length >= best.mountpoint.length)) best = m;
  }
  return best;
}

/** Checks one bind against the host's mounts; `mountinfo` defaults to this process's. */
export async function checkBindPropagation(source: string, propagation: Propagation | undefined, mountinfo?: string): Promise<void> {
  if (!propagation || propagation === 'private' || propagation === 'rprivate') return;
  const text = mountinfo ?? await readFile('/proc/self/mountinfo', 'utf8');
  const path = await realpath(source).catch(() => source);
  const m = mountOf(parsePropagation(text), path);
  if (!m) return;
  if ((propagation === 'shared' || propagation === 'rshared') && !m.shared) {
    throw new System(`path ${source} is mounted on ${m.mountpoint} but it is not a shared mount`);
  }
  if ((propagation === 'slave' || propagation === 'rslave') && !m.shared && !m.slave) {
    throw new System(`path ${source} is mounted on ${m.mountpoint} but it is not a shared or slave mount`);
  }
}
