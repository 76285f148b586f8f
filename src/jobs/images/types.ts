import type { Filters } from '../../server/query.js';
import type { ContainerConfig } from '../../graph/types.js';

/** One row of `GET /images/json` (ImageSummary, API v1.41). */
export interface ImageSummary {
  Containers: number;
  Created: number;
  Id: string;
  Labels: Record<string, string> | null;
  ParentId: string;
  RepoDigests: string[] | null;
  RepoTags: string[] | null;
  SharedSize: number;
  Size: number;
  VirtualSize: number;
}

/** `GET /images/{name}/json` (ImageInspect, API v1.41). */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Container: string;
  ContainerConfig: ContainerConfig;
  DockerVersion: string;
  Author: string;
  Config: ContainerConfig | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Data: Record<string, string> | null; Name: string };
  RootFS: { Type: string; Layers?: string[] };
  Metadata: { LastTagTime: string };
}

/** One row of `GET /images/{name}/history`. */
export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/** One row of DELETE /images/{name} and of prune's `ImagesDeleted`. */
export type DeleteItem = { Untagged: string } | { Deleted: string };

export interface PruneReport {
  ImagesDeleted: DeleteItem[] | null;
  SpaceReclaimed: number;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    image_list: { args: { all: boolean; digests: boolean; filters: Filters }; result: ImageSummary[] };
    image_inspect: { args: { name: string }; result: ImageInspect };
    image_history: { args: { name: string }; result: HistoryItem[] };
    image_tag: { args: { name: string; repo: string; tag: string }; result: void };
    image_delete: { args: { name: string; force: boolean; noprune: boolean }; result: DeleteItem[] };
    image_prune: { args: { filters: Filters }; result: PruneReport };
  }
}
