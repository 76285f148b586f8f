import type { DaemonEvent } from '../../engine/events.js';
import type { Filters } from '../../server/query.js';

/** `GET /version`, in dockerd 20.10's shape (types.Version). */
export interface VersionInfo {
  Platform: { Name: string };
  Components: { Name: string; Version: string; Details: Record<string, string> }[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  BuildTime: string;
  Experimental?: boolean;
}

/** `GET /info` (types.Info); built field by field in ./info.ts. */
export type SystemInfo = Record<string, unknown>;

/** One image of `GET /system/df` (the image summary plus its container count). */
export interface DfImage {
  Id: string;
  ParentId: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
}

export interface DiskUsage {
  LayersSize: number;
  Images: DfImage[];
  Containers: unknown[];
  Volumes: unknown[];
  /** null, as dockerd 20.10's legacy builder keeps no build cache records. */
  BuildCache: unknown[] | null;
  BuilderSize: number;
}

export interface EventsArgs {
  /** Unix time in nanoseconds; replay history from here (null: no replay). */
  sinceNs: bigint | null;
  /** Unix time in nanoseconds; stop there (null: stream until the client leaves). */
  untilNs: bigint | null;
  filters: Filters;
}

/** What a dockerd on a node outside a swarm answers, by the kind of call. */
export type SwarmCall = 'manager' | 'leave' | 'init' | 'join';

declare module '../../engine/job-table.js' {
  interface JobTable {
    system_ping: { args: Record<string, never>; result: string };
    system_version: { args: Record<string, never>; result: VersionInfo };
    system_info: { args: Record<string, never>; result: SystemInfo };
    system_df: { args: Record<string, never>; result: DiskUsage };
    /** Streams DaemonEvent objects, one JSON per line, to stdout. */
    system_events: { args: EventsArgs; result: void };
    /** Any route berth does not serve yet: 501 naming the feature. */
    not_implemented: { args: { what: string }; result: never };
    /** Swarm, node, service, task, secret and config routes: 503 as on a node outside a swarm. */
    swarm_inactive: { args: { call: SwarmCall }; result: never };
    plugin_list: { args: { filters: Filters }; result: unknown[] };
    /** Any call on a named plugin: none is installed, so 404 `plugin "x" not found`. */
    plugin_lookup: { args: { name: string }; result: never };
  }
}

export type { DaemonEvent };
