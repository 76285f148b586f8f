import { randomBytes } from 'node:crypto';
import type { Duplex, Writable } from 'node:stream';
import type { Backend, BuildImage, CommitSpec, RunHostConfig, RunOutput } from '../../builder/backend.js';
import { NotFound } from '../../engine/errors.js';
import { goArch } from '../../graph/archive/import.js';
import type { ContainerConfig, ImageConfig, ImageRecord, LayerRecord } from '../../graph/types.js';
import type { JobContext } from '../context.js';
import { commitImageConfig } from '../containers/commit-config.js';
import { containersOf } from '../containers/common.js';
import { containerCreate } from '../containers/create.js';
import { containerKill } from '../containers/kill.js';
import { removeContainer } from '../containers/remove.js';
import { runtimeOf } from '../containers/runtime.js';
import { containerStart } from '../containers/start.js';
import { createdMs, imageEvent } from '../images/common.js';
import { callHandler } from './job.js';
import { parseNamed, withDefaultTag } from '../../graph/reference.js';
import { pull, splitRepo } from '../../graph/registry/pull.js';
import type { AuthConfig } from '../../graph/registry/types.js';
import { publishPulled } from '../registry/pull.js';
import { registrySettings, tokenCache } from '../registry/service.js';
import { FrameReader } from '../containers/stdcopy.js';

/**
 * The credentials for `host` among a build's registry configs, matched as dockerd's
 * ResolveAuthConfig: by the key's host name, Docker Hub under its index address.
 */
function authFor(configs: Record<string, AuthConfig>, host: string): AuthConfig {
  const want = host === 'docker.io' ? 'index.docker.io' : host;
  for (const [key, c] of Object.entries(configs)) {
    const name = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (name === want || (want === 'index.docker.io' && name === 'docker.io')) return c;
  }
  return {};
}

/*
 * The builder's Backend over the graph and the containers area: RUN steps are real
 * containers (created, started with their output attached, committed, removed
 * through the containers area's own code); COPY, ADD and WORKDIR write into a
 * scratch graphdriver layer over the image and commit it, as dockerd's
 * exportImage does without a container.
 */

const scratchParent = (): ImageConfig => ({ architecture: goArch(), os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });

function toBuildImage(img: ImageRecord): BuildImage {
  return { id: img.id, config: img.config, createdMs: createdMs(img) };
}

/**
 * Build images already read, by ID. An image's ID is its config's digest, so what
 * is kept never goes stale; only whether it still exists can change, and the
 * children query answers that. A cache probe then costs one query per step instead
 * of a row, its tags and a record per child (a cached step's probe was most of its
 * ~0.15 ms). Oldest first out past LIMIT.
 */
const seen = new Map<string, BuildImage>();
const LIMIT = 4096;

function remember(img: BuildImage): BuildImage {
  if (seen.size >= LIMIT) seen.delete(seen.keys().next().value!);
  seen.set(img.id, img);
  return img;
}

/** Split the shim's stdcopy frames (8-byte header: stream, 0, 0, 0, size) into stdout and stderr. */
function demux(stream: Duplex, out: RunOutput): Promise<void> {
  const frames = new FrameReader((which, payload) => { if (which === 2) out.stderr(payload); else out.stdout(payload); });
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => frames.push(chunk));
    stream.on('error', () => resolve());
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
  });
}

/** What FROM's pulls need from the build request. */
export interface PullSetup {
  /** `X-Registry-Config`: the client's credentials by registry. */
  auth: Record<string, AuthConfig>;
  platform: string;
  /** Where the pull's JSON progress messages go (the build's stream), or nowhere. */
  out: Writable | null;
}

export class JobBackend implements Backend {
  constructor(private readonly ctx: JobContext, private readonly signal: AbortSignal, private readonly pulls: PullSetup = { auth: {}, platform: '', out: null }) {}

  /** Pulled as `docker pull` would, with the credentials the client has for that registry. */
  async pullImage(ref: string): Promise<BuildImage> {
    const named = withDefaultTag(parseNamed(ref));
    const [host] = splitRepo(named.repo);
    const pulled = await pull(this.ctx.graph, {
      ref: named,
      platform: this.pulls.platform || undefined,
      creds: authFor(this.pulls.auth, host),
      settings: registrySettings(this.ctx),
      tokens: tokenCache(this.ctx),
      maxConcurrentDownloads: this.ctx.config.maxConcurrentDownloads || 3,
      out: this.pulls.out,
      signal: this.signal,
    });
    publishPulled(this.ctx, pulled);
    return remember(toBuildImage(pulled[0]!.image));
  }

  findImage(ref: string): BuildImage | null {
    try {
      return toBuildImage(this.ctx.graph.resolve(ref));
    } catch (err) {
      if (err instanceof NotFound) return null;
      throw err;
    }
  }

  getImage(id: string): BuildImage {
    return toBuildImage(this.ctx.graph.getImage(id));
  }

  lineage(ref: string): string[] {
    const g = this.ctx.graph;
    let img: BuildImage | null = null;
    try {
      img = this.findImage(ref);
    } catch {
      // dockerd only warns about a --cache-from it cannot look up, bad reference or not
    }
    const out: string[] = [];
    for (let id: string | null = img?.id ?? null; id && !out.includes(id); id = g.getImage(id).parent) out.push(id);
    return out;
  }

  children(parent: string): BuildImage[] {
    const g = this.ctx.graph;
    if (parent === '') return g.listImages().filter((i) => i.parent === null && i.config.container_config?.Cmd).map(toBuildImage);
    return g.children(parent).map((id) => seen.get(id) ?? remember(toBuildImage(g.getImage(id))));
  }

  private createImage(spec: CommitSpec, diffId: string | null): string {
    let bytes = commitImageConfig({
      parent: spec.parent?.config ?? scratchParent(), config: spec.config, containerConfig: spec.containerConfig,
      containerId: spec.containerId, author: spec.author, comment: '', diffId,
    });
    if (!spec.containerId) {
      // Go omits an empty `container`, as for COPY and ADD steps.
      const o = JSON.parse(bytes.toString()) as Record<string, unknown>;
      delete o['container'];
      bytes = Buffer.from(JSON.stringify(o));
    }
    return this.ctx.graph.createImage(bytes, spec.parent ? { parent: spec.parent.id } : {}).id;
  }

  async commitConfig(spec: CommitSpec): Promise<string> {
    return this.createImage(spec, null);
  }

  /** A scratch graphdriver layer over the image's top layer, for `fn`, removed afterwards. */
  private async scratchLayer<T>(image: BuildImage | null, fn: (id: string, root: string) => Promise<T>): Promise<T> {
    const { driver } = this.ctx.graph;
    const top = image ? this.ctx.graph.getImage(image.id).topLayer : null;
    const id = `build-${randomBytes(16).toString('hex')}`;
    await driver.create(id, top ? this.ctx.graph.getLayer(top).cacheId : null);
    try {
      const root = await driver.get(id);
      try {
        return await fn(id, root);
      } finally {
        await driver.put(id);
      }
    } finally {
      await driver.remove(id);
    }
  }

  /** The layer of what `id` changed over `top`, or null when nothing changed. */
  private async layerOf(id: string, top: string | null): Promise<LayerRecord | null> {
    const { driver } = this.ctx.graph;
    if ((await driver.changes(id)).length === 0) return null;
    return this.ctx.graph.createLayer(top, await driver.diff(id));
  }

  async commitLayer(spec: CommitSpec, fill: (root: string) => Promise<void>): Promise<string> {
    const top = spec.parent ? this.ctx.graph.getImage(spec.parent.id).topLayer : null;
    const layer = await this.scratchLayer(spec.parent, async (id, root) => {
      await fill(root);
      return this.layerOf(id, top);
    });
    return this.createImage(spec, layer?.diffId ?? null);
  }

  withImageRoot<T>(image: BuildImage, fn: (root: string) => Promise<T>): Promise<T> {
    return this.scratchLayer(image, (_id, root) => fn(root));
  }

  async createContainer(image: string, config: ContainerConfig, host: RunHostConfig): Promise<string> {
    // Log driver none, as dockerd's hostConfigFromOptions: the step's output goes to the
    // build stream only, and a container kept by rm=false (docker-py's default) has no log.
    const HostConfig: Record<string, unknown> = { NetworkMode: host.networkMode || 'default', LogConfig: { Type: 'none', Config: {} }, ...host.limits };
    if (host.extraHosts.length) HostConfig['ExtraHosts'] = host.extraHosts;
    if (host.cpuShares) HostConfig['CpuShares'] = host.cpuShares;
    if (host.memory) HostConfig['Memory'] = host.memory;
    // No Attach* flags: dockerd's builder attaches to the process without them, and
    // inspect of a kept container shows them false.
    const body = { ...config, Image: image, HostConfig };
    const r = await callHandler(this.ctx, containerCreate, 'container_create', { name: '', body }, this.signal);
    return r.Id;
  }

  async runContainer(id: string, out: RunOutput, signal: AbortSignal): Promise<number> {
    const rt = runtimeOf(this.ctx);
    let output: Promise<void> = Promise.resolve();
    const attached = new Promise<void>((resolve) => {
      rt.addAttach(id, {
        stdin: false, stdout: true, stderr: true,
        onStream: (s) => { if (s) output = demux(s, out); resolve(); },
      });
    });
    const exited = new Promise<number>((resolve) => {
      const off = rt.onExit(id, (note) => { off(); resolve(note.exitCode); });
    });
    // A client gone mid-step (Ctrl-C) kills the command, as dockerd's containerManager
    // does on a cancelled build; the step's clean-up then removes the container.
    const kill = (): void => {
      callHandler(this.ctx, containerKill, 'container_kill', { name: id, signal: 'KILL' }, new AbortController().signal).catch(() => {
        // already exited
      });
    };
    signal.addEventListener('abort', kill, { once: true });
    let code: number;
    try {
      // Cancelled while the container was made: its listener came too late to hear it.
      signal.throwIfAborted();
      await callHandler(this.ctx, containerStart, 'container_start', { name: id, hostConfig: false }, signal);
      await attached;
      code = await exited;
    } finally {
      signal.removeEventListener('abort', kill);
    }
    await rt.exited(id);
    // The stream ends with the process; a stuck one must not hold the build.
    await Promise.race([output, new Promise((r) => setTimeout(r, 2000).unref())]);
    return code;
  }

  async commitContainer(id: string, spec: CommitSpec): Promise<string> {
    const c = containersOf(this.ctx).get(id);
    const layer = await this.layerOf(c.Id, c.ImageTopLayer);
    return this.createImage(spec, layer?.diffId ?? null);
  }

  async removeContainer(id: string): Promise<void> {
    // Metadata steps show a container ID but make none (see builder/step.ts).
    if (!containersOf(this.ctx).find(id)) return;
    await removeContainer(this.ctx, id, { force: true, removeVolumes: true });
  }

  tag(id: string, ref: string): void {
    const r = this.ctx.graph.tag(id, ref);
    imageEvent(this.ctx, 'tag', id, ref.includes(':') || ref.includes('@') ? ref : `${ref}:latest`);
    void r;
  }
}
