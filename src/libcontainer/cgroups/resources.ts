/**
 * The resource limits of a container, as `docker run`/`docker update` express them
 * (HostConfig field meanings, already parsed into numbers). Both cgroup drivers and
 * the spec builder read this one shape.
 */
export interface Resources {
  /** `-m`: bytes; 0 or absent means unlimited. */
  memory?: number;
  /** `--memory-swap`: memory + swap in bytes; -1 unlimited swap; absent: twice `memory`. */
  memorySwap?: number;
  /** `--memory-reservation`: soft limit in bytes. */
  memoryReservation?: number;
  /** `--memory-swappiness` 0..100 (v1 only). */
  memorySwappiness?: number;
  /** `--oom-kill-disable` (v1 only: memory.oom_control; dockerd drops it on v2 at create). */
  oomKillDisable?: boolean;
  /** `--cpu-shares` (relative weight, 1024 = normal). */
  cpuShares?: number;
  /** `--cpus` × 1e9. */
  nanoCpus?: number;
  /** `--cpu-period` / `--cpu-quota` in microseconds. */
  cpuPeriod?: number;
  cpuQuota?: number;
  /** `--cpuset-cpus` / `--cpuset-mems`: lists like `0-2,4`. */
  cpusetCpus?: string;
  cpusetMems?: string;
  /** `--cpu-rt-period` / `--cpu-rt-runtime` in microseconds (v1's cpu.rt_*; none on v2). */
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
  /** `--pids-limit`: 0 or -1 means unlimited. */
  pidsLimit?: number;
  /** `--blkio-weight` 10..1000. */
  blkioWeight?: number;
  /** `--device-read-bps` and the like, the devices by number: set at start only. */
  throttles?: BlkioThrottles;
  /**
   * The device cgroup's rules in order (the first denies everything; the rest allow),
   * set when the group is made; absent on an update, which leaves them as they are.
   */
  devices?: DeviceRule[];
}

/** One device's limit: bytes or operations per second. */
export interface ThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

/** The four throttle lists, in HostConfig's order. */
export interface BlkioThrottles {
  readBps: ThrottleDevice[];
  writeBps: ThrottleDevice[];
  readIops: ThrottleDevice[];
  writeIops: ThrottleDevice[];
}

/** One device cgroup rule: `c 1:3 rwm`, `b *:* m`, or `a` (every device). */
export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'b' | 'c';
  major: number | '*';
  minor: number | '*';
  access: string;
}

/** The rule as the v1 devices.allow / devices.deny files read it. */
export function deviceRuleText(r: DeviceRule): string {
  return r.type === 'a' ? 'a' : `${r.type} ${r.major}:${r.minor} ${r.access}`;
}

/** The CFS period dockerd uses for `--cpus`: 100 ms. */
export const DEFAULT_CPU_PERIOD = 100_000;

/** `--cpus` or `--cpu-quota/--cpu-period` as the quota and period the kernel wants. */
export function cpuQuota(r: Resources): { quota: number; period: number } | undefined {
  if (r.nanoCpus && r.nanoCpus > 0) {
    const period = DEFAULT_CPU_PERIOD;
    return { quota: Math.round((r.nanoCpus * period) / 1e9), period };
  }
  if (r.cpuQuota !== undefined && r.cpuQuota !== 0) {
    return { quota: r.cpuQuota, period: r.cpuPeriod || DEFAULT_CPU_PERIOD };
  }
  return undefined;
}

/** The swap total to write: dockerd gives twice the memory when swap is unspecified. */
export function memorySwapTotal(r: Resources): number | undefined {
  if (!r.memory || r.memory <= 0) return r.memorySwap === -1 ? -1 : undefined;
  if (r.memorySwap === undefined || r.memorySwap === 0) return r.memory * 2;
  return r.memorySwap;
}
