import type { Filters } from '../../server/query.js';
import type { ContainerConfig } from '../../graph/types.js';

/** The states of dockerd's container state machine (`State.Status`). */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** `State` of `GET /containers/{id}/json`, as dockerd 20.10 shows it. */
export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** Only for a container with a healthcheck, as dockerd shows it. */
  Health?: HealthState;
}

/** One probe's result in `State.Health.Log` (the last five are kept). */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: HealthLogEntry[];
}

/** The API's HostConfig as received; berth reads a few fields and keeps the rest for inspect. */
export type HostConfig = Record<string, unknown> & {
  NetworkMode?: string;
  AutoRemove?: boolean;
  RestartPolicy?: { Name: string; MaximumRetryCount: number };
};

/** The persisted container: everything inspect shows that is not derived. */
export interface ContainerRecord {
  Id: string;
  /** With the leading `/`, as dockerd stores it. */
  Name: string;
  Created: string;
  Path: string;
  Args: string[];
  Config: ContainerConfig;
  HostConfig: HostConfig;
  /** `sha256:<hex>` of the image it was created from. */
  Image: string;
  /** chainID of the image's top layer under the RW layer: kept even if the image is force-removed. */
  ImageTopLayer: string | null;
  State: ContainerState;
  RestartCount: number;
  Driver: string;
  /** Volumes, binds and tmpfs mounts resolved at create (the volumes code in mounts.ts owns their shape). */
  MountPoints?: unknown[];
  /** Set by `docker stop`/`kill` through the API: unless-stopped and always policies then do not restart it. */
  ManuallyStopped?: boolean;
  /**
   * Set when `network disconnect` took its last network: like dockerd, it then has
   * no network at all (loopback only, across restarts) until a connect, rather than
   * its NetworkMode's network again. Cleared by the next connect.
   */
  LeftAllNetworks?: boolean;
  /** Where the json-file log lives (`<data-root>/containers/<id>/<id>-json.log`) once started. */
  LogPath?: string;
}

/** `POST /containers/create` body: the ContainerConfig plus HostConfig and NetworkingConfig. */
export type CreateBody = ContainerConfig & { HostConfig?: HostConfig; NetworkingConfig?: unknown };

/** One row of `GET /containers/json`. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: unknown[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string>;
  State: ContainerStatus;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, unknown> };
  Mounts: unknown[];
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    container_create: { args: { name: string; body: CreateBody; platform?: string }; result: { Id: string; Warnings: string[] } };
    container_inspect: { args: { name: string; size: boolean }; result: Record<string, unknown> };
    container_list: { args: { all: boolean; limit: number; size: boolean; filters: Filters }; result: void };
    container_delete: { args: { name: string; force: boolean; volumes: boolean; link: boolean }; result: void };
    container_rename: { args: { name: string; newName: string }; result: void };
  }
}
