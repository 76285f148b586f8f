import type { BuildOptions } from '../../builder/step.js';
import type { AuthConfig } from '../../graph/registry/types.js';
import type { Filters } from '../../server/query.js';

/** `POST /build`: the query decoded; the body (a context tar or a bare Dockerfile) is the job's stdin. */
export interface BuildArgs extends BuildOptions {
  /** Path of the Dockerfile inside the context (`-f`); the CLI puts one from elsewhere or stdin in the tar. */
  dockerfile: string;
  /** `remote=`: a URL context, fetched by the daemon (context-remote.ts). */
  remote: string;
  /** `X-Registry-Config`: the client's credentials by registry, for FROM images pulled. */
  registryAuth: Record<string, AuthConfig>;
  /** `buildid=`: the name `POST /build/cancel?id=` stops this build by ('' for none). */
  buildId: string;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    /** `POST /build`: the legacy builder; JSON messages on stdout as dockerd's. */
    image_build: { args: BuildArgs; result: void };
    /** `POST /build/cancel`: stop a running build by its `buildid`. */
    build_cancel: { args: { id: string }; result: void };
    /** `POST /build/prune` (`docker builder prune`). */
    build_prune: { args: { all: boolean; filters: Filters }; result: { CachesDeleted: string[] | null; SpaceReclaimed: number } };
  }
}
