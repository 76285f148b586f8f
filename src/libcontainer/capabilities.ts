/**
 * Linux capabilities: names, Docker's default set, and the `--cap-add/--cap-drop/
 * --privileged` arithmetic dockerd applies. Names always carry the `CAP_` prefix.
 */
import { readFile } from 'node:fs/promises';
import { InvalidParameter } from '../engine/errors.js';

/** Every capability the kernel defines, indexed by its number (linux/capability.h). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID',
  'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/**
 * dockerd 20.10 stops at CAP_AUDIT_READ (37) even on newer kernels, because the runc it
 * shipped with did not know PERFMON/BPF/CHECKPOINT_RESTORE. We keep that ceiling by
 * default so `--privileged` and `--cap-add ALL` give what 20.10 gives.
 */
export const DOCKER_LAST_CAP = 37;

/** The capabilities a container gets by default (dockerd's `oci/caps` list, same order). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** The capabilities known up to `lastCap` (inclusive). */
export function knownCapabilities(lastCap = DOCKER_LAST_CAP): string[] {
  return ALL_CAPABILITIES.slice(0, Math.min(lastCap, ALL_CAPABILITIES.length - 1) + 1);
}

/**
 * Upper-cases, adds the `CAP_` prefix, keeps the magic `ALL`, and refuses unknown
 * names with dockerd's message (`unknown capability: "CAP_FOO"`).
 */
export function normalizeCapabilities(names: readonly string[], lastCap = DOCKER_LAST_CAP): string[] {
  const known = new Set(knownCapabilities(lastCap));
  return names.map((raw) => {
    let c = raw.toUpperCase();
    if (c === 'ALL') return c;
    if (!c.startsWith('CAP_')) c = 'CAP_' + c;
    if (!known.has(c)) throw new InvalidParameter(`unknown capability: ${JSON.stringify(c)}`);
    return c;
  });
}

export interface CapabilityOptions {
  privileged?: boolean;
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  lastCap?: number;
  /**
   * The daemon's own bounding set. When given, "every capability" (`--privileged`,
   * `--cap-add ALL`) means every one the daemon holds: a sandboxed daemon lacking one
   * (say CAP_SYS_RESOURCE) would otherwise fail every privileged start with EPERM.
   */
  hostCapabilities?: readonly string[];
}

/**
 * The container's capability set: all of them when privileged; otherwise the defaults
 * minus drops plus adds, where `--cap-add ALL` means "all but the drops" and
 * `--cap-drop ALL` means "only the adds".
 */
export function containerCapabilities(opts: CapabilityOptions): string[] {
  const lastCap = opts.lastCap ?? DOCKER_LAST_CAP;
  const host = opts.hostCapabilities;
  const all = knownCapabilities(lastCap).filter((c) => !host || host.includes(c));
  if (opts.privileged) return all;
  const drops = normalizeCapabilities(opts.capDrop ?? [], lastCap);
  const adds = normalizeCapabilities(opts.capAdd ?? [], lastCap);
  let caps: string[];
  if (adds.includes('ALL')) {
    caps = all.filter((c) => !drops.includes(c));
  } else if (drops.includes('ALL')) {
    caps = adds;
  } else {
    caps = [...DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c)), ...adds];
  }
  return [...new Set(caps)];
}

/** The kernel bitmask of a set (what /proc/<pid>/status shows as CapEff). */
export function capabilityMask(names: readonly string[]): bigint {
  let mask = 0n;
  for (const n of names) {
    const bit = ALL_CAPABILITIES.indexOf(n);
    if (bit < 0) throw new InvalidParameter(`unknown capability: ${JSON.stringify(n)}`);
    mask |= 1n << BigInt(bit);
  }
  return mask;
}

/** The capabilities in a `/proc/<pid>/status` mask line such as `CapBnd: 000001ffffffffff`. */
export function capabilitiesOfMask(mask: bigint): string[] {
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

let bounding: Promise<string[]> | undefined;

/** The daemon's bounding set, read once from /proc/self/status (it never grows, and every start and exec asks). */
export function hostBoundingCapabilities(): Promise<string[]> {
  bounding ??= readBoundingCapabilities();
  return bounding;
}

async function readBoundingCapabilities(): Promise<string[]> {
  const status = await readFile('/proc/self/status', 'utf8');
  const m = /^CapBnd:\s+([0-9a-f]+)$/m.exec(status);
  return m ? capabilitiesOfMask(BigInt('0x' + m[1])) : [...ALL_CAPABILITIES];
}
