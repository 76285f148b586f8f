import type { DistributionInspect } from '../../graph/registry/distribution.js';
import type { SearchResult } from '../../graph/registry/search-result.js';
import type { AuthConfig } from '../../graph/registry/types.js';

export interface ImagePullArgs {
  /** `fromImage`: the name as the client sent it (may carry a tag or digest). */
  image: string;
  /** `tag`: a tag or a digest; empty with a bare name means every tag. */
  tag: string;
  platform?: string;
  /** From `X-Registry-Auth`. */
  auth: AuthConfig;
}

export interface AuthResult {
  Status: string;
  IdentityToken: string;
}

declare module '../../engine/job-table.js' {
  interface JobTable {
    /** `POST /images/create?fromImage=`: pull from a registry, streaming progress. */
    image_pull: { args: ImagePullArgs; result: void };
    /** `GET /distribution/{name}/json`: a reference's manifest descriptor and platforms, from its registry. */
    distribution_inspect: { args: { name: string; auth: AuthConfig }; result: DistributionInspect };
    /** `POST /auth`: check credentials against a registry (`docker login`). */
    auth: { args: AuthConfig; result: AuthResult };
  }
}

/** `POST /images/create`: a pull (`fromImage`) or an import (`fromSrc`), one route for both. */
export type ImageCreateArgs =
  | { pull: ImagePullArgs }
  | { import: import('../images/import.js').ImageImportArgs };

declare module '../../engine/job-table.js' {
  interface JobTable {
    image_create: { args: ImageCreateArgs; result: void };
  }
}

export interface ImagePushArgs {
  /** The name from the path (`127.0.0.1:5000/app`), perhaps with a tag. */
  name: string;
  /** `tag`: empty pushes every tag of the repository. */
  tag: string;
  /** From `X-Registry-Auth`. */
  auth: AuthConfig;
}

export interface ImageSearchArgs {
  term: string;
  limit: number;
  filters: Record<string, string[]>;
  auth: AuthConfig;
}

export type { SearchResult } from '../../graph/registry/search-result.js';

declare module '../../engine/job-table.js' {
  interface JobTable {
    /** `POST /images/{name}/push`: push to a registry, streaming progress. */
    image_push: { args: ImagePushArgs; result: void };
    /** `GET /images/search`: repositories of a registry matching a term. */
    image_search: { args: ImageSearchArgs; result: SearchResult[] };
  }
}
