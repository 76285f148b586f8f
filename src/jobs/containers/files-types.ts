import type { Change } from '../../drivers/graphdriver/types.js';
import type { ContainerConfig } from '../../graph/types.js';

/**
 * `X-Docker-Container-Path-Stat` (base64 JSON) of `HEAD|GET /containers/{id}/archive`:
 * dockerd's ContainerPathStat, `mode` in Go's os.FileMode bits, `mtime` RFC 3339.
 */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** The header that carries a PathStat, as dockerd names it. */
export const PATH_STAT_HEADER = 'X-Docker-Container-Path-Stat';

/**
 * A job's stdout that still takes a header before its first byte (the server's
 * streaming reply does). Jobs check for it: outside HTTP nobody needs the header.
 */
export interface HeaderSink {
  setHeader(name: string, value: string): void;
}

export interface ArchivePutArgs {
  name: string;
  path: string;
  /** Refuse to replace a directory by a non-directory or the reverse (the CLI always asks). */
  noOverwriteDirNonDir: boolean;
  /** `docker cp -a`: files take the container user's uid/gid instead of the archive's. */
  copyUIDGID: boolean;
}

export interface CommitArgs {
  /** The container, as the user named it. */
  container: string;
  repo: string;
  tag: string;
  comment: string;
  author: string;
  pause: boolean;
  /** Dockerfile instructions applied to the config (`docker commit -c`). */
  changes: string[];
  /** The request body's ContainerConfig, or null: then the container's own. */
  config: ContainerConfig | null;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    /** `HEAD /containers/{id}/archive?path=`; the stat also goes out as the header when stdout takes one. */
    container_archive_stat: { args: { name: string; path: string }; result: PathStat };
    /**
     * `GET /containers/{id}/archive?path=`: the header, then a tar of the path on stdout.
     * `legacy`: `POST /containers/{id}/copy` of API < 1.24 instead: the path followed to
     * the end, entries under its resolved name, no header.
     */
    container_archive_get: { args: { name: string; path: string; legacy?: boolean }; result: void };
    /** `PUT /containers/{id}/archive?path=`: stdin is a tar to extract into the directory `path`. */
    container_archive_put: { args: ArchivePutArgs; result: void };
    /** `GET /containers/{id}/export`: a tar of the whole root filesystem on stdout. */
    container_export: { args: { name: string }; result: void };
    /** `GET /containers/{id}/changes`: null when nothing changed, as dockerd. */
    container_changes: { args: { name: string }; result: Change[] | null };
    /** `POST /commit`. */
    container_commit: { args: CommitArgs; result: { Id: string } };
  }
}
