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
