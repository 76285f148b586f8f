import type { ContainerConfig, ImageConfig } from '../graph/types.js';

/*
 * What the builder needs from the daemon, implemented by the `build` job
 * (src/jobs/build/backend.ts) over the graph and the containers area. The builder
 * itself never touches the store, the graphdriver or the execdriver.
 */

export interface BuildImage {
  /** `sha256:<hex>` */
  id: string;
  config: ImageConfig;
  /** Unix ms of its `created`, for choosing the newest cache match. */
  createdMs: number;
}

/** An image commit as dockerd's CommitBuildStep: config for the image, container_config for the cache. */
export interface CommitSpec {
  /** null for `FROM scratch`. */
  parent: BuildImage | null;
  config: ContainerConfig;
  containerConfig: ContainerConfig;
  /** The (intermediate) container's ID, '' when none ran (COPY, ADD). */
  containerId: string;
  author: string;
}

/** The host side of a RUN step's container. */
export interface RunHostConfig {
  networkMode: string;
  extraHosts: string[];
  cpuShares: number;
  memory: number;
  /**
   * `--ulimit`, `--shm-size`, `--memory-swap`, `--cpu-period`, `--cpu-quota`,
   * `--cpuset-cpus`, `--cpuset-mems`, `--cgroup-parent`: HostConfig fields, present only when given.
   */
  limits: {
    Ulimits?: { Name: string; Soft: number; Hard: number }[]; ShmSize?: number; MemorySwap?: number;
    CpuPeriod?: number; CpuQuota?: number; CpusetCpus?: string; CpusetMems?: string; CgroupParent?: string;
  };
}

export interface RunOutput {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

export interface Backend {
  /** A local image by name or ID; null when there is none. */
  findImage(ref: string): BuildImage | null;
  /** Pull `ref` from its registry (FROM of an image not here, or `--pull`), its progress in the build's output. */
  pullImage(ref: string): Promise<BuildImage>;
  getImage(id: string): BuildImage;
  /** The image `ref` names and its ancestors, by ID, nearest first; [] when there is none. */
  lineage(ref: string): string[];
  /** Images built on `parent` (`''`: images without a parent), for the cache. */
  children(parent: string): BuildImage[];
  /** An image with the parent's layers and a new config (metadata steps). */
  commitConfig(spec: CommitSpec): Promise<string>;
  /** An image whose new layer is what `fill(root)` wrote over the parent's rootfs. */
  commitLayer(spec: CommitSpec, fill: (root: string) => Promise<void>): Promise<string>;
  /** Create a container from `image` with `config` (RUN); returns its ID. */
  createContainer(image: string, config: ContainerConfig, host: RunHostConfig): Promise<string>;
  /** Start it, stream its output, resolve with its exit code. */
  runContainer(id: string, out: RunOutput, signal: AbortSignal): Promise<number>;
  /** Commit a stopped container's changes (RUN). */
  commitContainer(id: string, spec: CommitSpec): Promise<string>;
  removeContainer(id: string): Promise<void>;
  /** Run `fn` with the image's rootfs mounted (COPY --from). */
  withImageRoot<T>(image: BuildImage, fn: (root: string) => Promise<T>): Promise<T>;
  tag(id: string, ref: string): void;
}
