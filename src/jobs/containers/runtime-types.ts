/** Job table entries of the jobs that act on running containers: pause, top, stats, update, prune. */
import type { Filters } from '../../server/query.js';
import type { HostConfig } from './types.js';

/** `GET /containers/{id}/top`: ps's header split into titles, and the container's rows. */
export interface TopResult {
  Titles: string[];
  Processes: string[][] | null;
}

/**
 * `POST /containers/{id}/update` body (dockerd's container.UpdateConfig): the
 * HostConfig resource fields and the restart policy; anything else is ignored.
 */
export type UpdateBody = Pick<HostConfig, 'RestartPolicy'> & {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  KernelMemory?: number;
  CpuShares?: number;
  NanoCpus?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number | null;
  BlkioWeight?: number;
};

/** dockerd's ContainerUpdateOKBody: Warnings is null when there are none. */
export interface UpdateResult {
  Warnings: string[] | null;
}

export interface ContainerPruneReport {
  ContainersDeleted: string[] | null;
  SpaceReclaimed: number;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    container_pause: { args: { name: string }; result: void };
    container_unpause: { args: { name: string }; result: void };
    container_top: { args: { name: string; psArgs: string }; result: TopResult };
    /** `legacy`: API before 1.21, whose objects carry one `network` instead of name and id. */
    container_stats: { args: { name: string; stream: boolean; oneShot: boolean; legacy: boolean }; result: void };
    container_update: { args: { name: string; body: UpdateBody }; result: UpdateResult };
    container_prune: { args: { filters: Filters }; result: ContainerPruneReport };
  }
}
