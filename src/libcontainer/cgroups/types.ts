/**
 * The cgroup manager of one container: the daemon creates its group before the init
 * runs, moves the init into it, applies and updates limits, freezes it for `pause`,
 * reads it for `stats` and `top`, and removes it after the container exited.
 * Two drivers implement it: `v1.ts` (one hierarchy per controller) and `v2.ts`
 * (the unified hierarchy). Both manage the filesystem only (cgroupfs; no systemd).
 */
import type { Resources } from './resources.js';

export type CgroupVersion = '1' | '2';

/** One row of Docker's blkio statistics (`op`: Read, Write... on v1; read, write on v2). */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** The cgroup part of the Docker API's `ContainerStats` (`GET /containers/{id}/stats`). */
export interface CgroupStats {
  cpu_stats: {
    cpu_usage: {
      total_usage: number;
      /** Per-CPU nanoseconds; v1 only (v2 has no per-CPU accounting). */
      percpu_usage?: number[];
      usage_in_kernelmode: number;
      usage_in_usermode: number;
    };
    /** Host CPU time in nanoseconds, from /proc/stat: the denominator of CPU %. */
    system_cpu_usage: number;
    online_cpus: number;
    throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
  };
  memory_stats: {
    usage: number;
    max_usage?: number;
    limit: number;
    failcnt?: number;
    stats: Record<string, number>;
  };
  pids_stats: { current: number; limit?: number };
  blkio_stats: {
    io_service_bytes_recursive: BlkioEntry[];
    io_serviced_recursive: BlkioEntry[];
    io_queue_recursive: BlkioEntry[];
    io_service_time_recursive: BlkioEntry[];
    io_wait_time_recursive: BlkioEntry[];
    io_merged_recursive: BlkioEntry[];
    io_time_recursive: BlkioEntry[];
    sectors_recursive: BlkioEntry[];
  };
}

export interface CgroupManager {
  readonly version: CgroupVersion;
  /** The container's group, relative to the hierarchy root (`/berth/<id>`). */
  readonly path: string;
  /** Makes the group (and the parent group when missing). Idempotent. */
  create(): Promise<void>;
  /**
   * Moves a process (and so its future children) into the group. The process has one
   * thread (the init before it execs): v1 moves just that thread.
   */
  apply(pid: number): Promise<void>;
  /** Writes limits; fields left undefined are not touched (for `docker update`). */
  set(resources: Resources): Promise<void>;
  /** Stops every process of the group and resolves once the kernel says frozen. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Whether the group is frozen now. */
  frozen(): Promise<boolean>;
  stats(): Promise<CgroupStats>;
  /** The group's directory in each hierarchy, for the container's /sys/fs/cgroup view. */
  hierarchies(): { name: string; source: string }[];
  /** PIDs of the processes in the group (for `docker top`). */
  pids(): Promise<number[]>;
  /** Whether the kernel's OOM killer killed a process of this group. */
  oomKilled(): Promise<boolean>;
  /**
   * Removes the group's directories. It kills nothing: processes must be gone. Waits a
   * little for exiting processes to leave, then fails with EBUSY.
   */
  destroy(): Promise<void>;
}

export interface ManagerOptions {
  /** Container id: the leaf group's name. */
  id: string;
  /** Parent group name (`--cgroup-parent`), may be nested (`a/b`); `berth` by default. */
  parent?: string;
}
