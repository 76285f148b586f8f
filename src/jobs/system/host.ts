import { accessSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

/**
 * Facts about the host that `/info` and `/version` report, read from the kernel's
 * own files the way dockerd's sysinfo package does. Pure reads, no caching: `/info`
 * is not on a hot path, and the figures (forwarding, limits) can change at runtime.
 */

/** Go's GOARCH for Node's `process.arch` (the `Arch` of `/version`). */
export function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[process.arch] ?? process.arch;
}

/** `uname -m`, which dockerd reports as `Architecture` (x86_64, aarch64). */
export function machine(): string {
  return os.machine();
}

/** PRETTY_NAME and VERSION_ID from os-release, as dockerd's operatingsystem package reads them. */
export function osRelease(): { pretty: string; version: string } {
  for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const fields: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) fields[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
    }
    return { pretty: fields.PRETTY_NAME ?? 'Linux', version: fields.VERSION_ID ?? '' };
  }
  return { pretty: '<unknown>', version: '' };
}

/** "2" on a unified hierarchy (cgroup.controllers at the root), else "1". */
export function cgroupVersion(): '1' | '2' {
  return exists('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1';
}

/** Which resource limits the kernel's cgroups can enforce (dockerd's sysinfo flags). */
export interface CgroupFeatures {
  MemoryLimit: boolean;
  SwapLimit: boolean;
  KernelMemory: boolean;
  KernelMemoryTCP: boolean;
  OomKillDisable: boolean;
  CpuCfsPeriod: boolean;
  CpuCfsQuota: boolean;
  CPUShares: boolean;
  CPUSet: boolean;
  PidsLimit: boolean;
}

export function cgroupFeatures(version: '1' | '2' = cgroupVersion()): CgroupFeatures {
  if (version === '2') {
    let controllers: string[] = [];
    try {
      controllers = readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').trim().split(/\s+/);
    } catch { /* no controllers delegated */ }
    const has = (c: string) => controllers.includes(c);
    return {
      MemoryLimit: has('memory'),
      SwapLimit: has('memory'),
      KernelMemory: false,
      KernelMemoryTCP: false,
      OomKillDisable: false,
      CpuCfsPeriod: has('cpu'),
      CpuCfsQuota: has('cpu'),
      CPUShares: has('cpu'),
      CPUSet: has('cpuset'),
      PidsLimit: has('pids'),
    };
  }
  const v1 = (ctl: string, file: string) => exists(`/sys/fs/cgroup/${ctl}/${file}`);
  return {
    MemoryLimit: v1('memory', 'memory.limit_in_bytes'),
    SwapLimit: v1('memory', 'memory.memsw.limit_in_bytes'),
    KernelMemory: v1('memory', 'memory.kmem.limit_in_bytes'),
    KernelMemoryTCP: v1('memory', 'memory.kmem.tcp.limit_in_bytes'),
    OomKillDisable: v1('memory', 'memory.oom_control'),
    CpuCfsPeriod: v1('cpu', 'cpu.cfs_period_us'),
    CpuCfsQuota: v1('cpu', 'cpu.cfs_quota_us'),
    CPUShares: v1('cpu', 'cpu.shares'),
    CPUSet: v1('cpuset', 'cpuset.cpus'),
    // The hierarchy's root has no pids.max (only the groups under it do): mounted is enough, as for dockerd.
    PidsLimit: v1('pids', 'cgroup.procs'),
  };
}

/** A /proc/sys switch; a missing file (module not loaded) reads as off. */
export function procSwitch(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** Open file descriptors of this process (`NFd`). */
export function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/** A proxy URL from the environment with its password masked, as dockerd shows it. */
export function proxyEnv(...names: string[]): string {
  for (const n of names) {
    const v = process.env[n];
    if (!v) continue;
    try {
      const u = new URL(v);
      if (u.password) u.password = 'xxxxx';
      return u.password || u.username ? u.toString() : v;
    } catch {
      return v;
    }
  }
  return '';
}

function exists(path: string): boolean {
  try {
    accessSync(path);
    return true;
  } catch {
    return false;
  }
}
