import { randomBytes } from 'node:crypto';
import type { ContainerConfig } from '../graph/types.js';
import type { Backend, BuildImage, CommitSpec, RunHostConfig } from './backend.js';
import { probeCache } from './cache.js';
import type { SourceRoot } from './sources.js';
import { BuildArgs, shellOf, type StageState } from './state.js';
import { envMap, type Env } from './shell-words.js';

/** What a build was asked for (the `POST /build` query, decoded). */
export interface BuildOptions {
  tags: string[];
  buildArgs: Map<string, string | null>;
  target: string;
  noCache: boolean;
  /** `--cache-from`: the only images (with their ancestors) the cache may hit; [] for any local one. */
  cacheFrom: string[];
  pull: boolean;
  quiet: boolean;
  labels: Record<string, string>;
  rm: boolean;
  forceRm: boolean;
  host: RunHostConfig;
  platform: string;
}

/** dockerd's JSON progress message: `{"status":"Downloading","progressDetail":{...},"progress":"[==>] 7B/7B"}`. */
export interface ProgressMessage {
  status: string;
  /** `total` is left out when the size is unknown, as Go's omitempty does. */
  progressDetail: { current: number; total?: number };
  progress: string;
}

/** A finished stage, for `FROM <stage>` and `COPY --from=<stage>`. */
export interface StageResult {
  name: string;
  imageId: string;
}

/** The whole build's state that steps share (dockerd's Builder + dispatchRequest). */
export interface BuildRun {
  backend: Backend;
  opts: BuildOptions;
  args: BuildArgs;
  escape: string;
  context: SourceRoot;
  stages: StageResult[];
  /** Writes `{"stream": text}` (nothing with -q). */
  out: (text: string) => void;
  /** RUN's stderr, shown in red as dockerd's StderrFormatter does. */
  err: (text: string) => void;
  /** A progress message (ADD's download), nothing with -q. */
  progress: (msg: ProgressMessage) => void;
  signal: AbortSignal;
  /** After the first miss nothing later hits (dockerd's imageProber). */
  cacheBusted: boolean;
  /** The IDs `--cache-from` allows (those images and their ancestors); null without it. */
  cacheScope: Set<string> | null;
  /** Containers this step made, removed when it ends (`--rm`, `--force-rm`). */
  containers: string[];
  state: StageState;
}

/** A failed step; `code` travels in errorDetail and becomes the CLI's exit status. */
export class StepError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

/** The env variables are substituted against: build args, overridden by ENV (dockerd's order). */
export function expansionEnv(b: BuildRun): Env {
  const m = new Map<string, string>();
  for (const [k, v] of b.state.args) if (v !== null) m.set(k, v);
  for (const [k, v] of envMap(b.state.runConfig.Env)) m.set(k, v);
  return m;
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Once steps miss, later COPY/ADD steps will write the context's files: its
 * extraction (when it was left for later, see SourceRoot.materialize) starts now
 * in the background, beside the steps that run meanwhile.
 */
function prefetchContext(b: BuildRun): void {
  b.context.materialize?.().catch(() => {
    // reported by the step that needs the files
  });
}

/** Use the cache for a step probed with `probe`: true (and the image taken) on a hit. */
export function tryCache(b: BuildRun, probe: ContainerConfig): boolean {
  if (b.opts.noCache || b.cacheBusted) {
    prefetchContext(b);
    return false;
  }
  const hit = probeCache(b.backend, b.state.imageId, probe, b.cacheScope);
  if (!hit) {
    b.cacheBusted = true;
    prefetchContext(b);
    return false;
  }
  b.out(' ---> Using cache\n');
  // The probe's own record: the image was just read, no second lookup.
  setImage(b, hit);
  return true;
}

export function setImage(b: BuildRun, img: BuildImage): void {
  b.state.imageId = img.id;
  b.state.image = img;
}

export function commitSpec(b: BuildRun, containerConfig: ContainerConfig, containerId: string): CommitSpec {
  return {
    parent: b.state.image,
    config: { ...b.state.runConfig, Image: b.state.imageId },
    containerConfig: { ...containerConfig, Image: b.state.imageId },
    containerId,
    author: b.state.maintainer,
  };
}

/**
 * The container a metadata step (or WORKDIR) shows as `Running in`. dockerd creates
 * one that never runs; berth makes it only when it outlives the step (`--rm=false`
 * without `--force-rm`, where `docker ps -a` lists it as dockerd's `Created` one),
 * else just an ID.
 */
export async function metaContainer(b: BuildRun, config: ContainerConfig): Promise<string> {
  if (b.opts.rm || b.opts.forceRm || !b.state.imageId) return newContainerId();
  return b.backend.createContainer(b.state.imageId, config, b.opts.host);
}

/**
 * A metadata step (ENV, LABEL, CMD ...) as dockerd 20.10's commit(): probe the cache
 * with `#(nop) ` and the comment as Cmd, else commit a config-only image. dockerd
 * creates a container that never runs for it; its config and the lines it prints
 * are reproduced here without making one, which is what makes these steps cheap.
 */
export async function commitMeta(b: BuildRun, comment: string): Promise<void> {
  const probe: ContainerConfig = { ...b.state.runConfig, Cmd: [...shellOf(b.state.runConfig), '#(nop) ', comment] };
  if (tryCache(b, probe)) return;
  const id = await metaContainer(b, probe);
  b.out(` ---> Running in ${id.slice(0, 12)}\n`);
  const cc = { ...probe, Hostname: id.slice(0, 12), Labels: probe.Labels ?? {} };
  setImage(b, b.backend.getImage(await b.backend.commitConfig(commitSpec(b, cc, id))));
  b.containers.push(id);
}

/** A step that writes into the rootfs without running anything (WORKDIR's mkdir, COPY, ADD). */
export async function commitFill(b: BuildRun, probe: ContainerConfig, containerId: string, fill: (root: string) => Promise<void>): Promise<void> {
  const spec = commitSpec(b, containerId ? { ...probe, Hostname: containerId.slice(0, 12) } : probe, containerId);
  setImage(b, b.backend.getImage(await b.backend.commitLayer(spec, fill)));
}
