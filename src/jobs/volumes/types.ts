import type { Filters } from '../../server/query.js';
import type { Volume } from '../../volumes/local.js';

/** `POST /volumes/create` body (VolumeCreateBody, API v1.41). */
export interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** `GET /volumes`: the volumes and the drivers' warnings (always none for local). */
export interface VolumeListResult {
  Volumes: Volume[];
  Warnings: string[] | null;
}

export interface VolumePruneReport {
  VolumesDeleted: string[];
  SpaceReclaimed: number;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    volume_create: { args: { body: VolumeCreateBody }; result: Volume };
    volume_list: { args: { filters: Filters }; result: VolumeListResult };
    volume_inspect: { args: { name: string }; result: Volume };
    volume_delete: { args: { name: string; force: boolean }; result: void };
    volume_prune: { args: { filters: Filters }; result: VolumePruneReport };
  }
}
