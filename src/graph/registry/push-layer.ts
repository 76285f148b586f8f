import { Readable, Transform, pipeline } from 'node:stream';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { TransportError } from './http.js';
import type { BlobSource, BlobSources } from './push-sources.js';
import { layerId, type PushProgress } from './push-progress.js';
import { MediaType, type Descriptor } from './types.js';
import { cancelUpload, openUpload, startUpload, uploadBlob } from './upload.js';
import { gzipBlocks } from './upload-gzip.js';

/** What a layer push needs of the daemon and the registry. */
export interface LayerPushContext {
  client: RegistryClient;
  /** The registry host (`127.0.0.1:5000`, `docker.io`) and the repository's path on it. */
  host: string;
  repo: string;
  sources: BlobSources;
  progress: PushProgress;
  layerTar(chainId: string): Promise<Readable>;
  signal: AbortSignal;
}

export interface LocalLayer {
  diffId: string;
  chainId: string;
  /** Bytes of content (what dockerd's bar counts against). */
  size: number;
}

/** dockerd's upload manager tries a layer five times. */
const MAX_ATTEMPTS = 5;

/**
 * How hard to look for a copy of the blob before uploading, by layer size, as
 * dockerd (distribution/push_v2.go): mounts to try, existence checks, and whether
 * checks may use digests seen in other repositories.
 */
function attempts(size: number): { mounts: number; checks: number; otherRepos: boolean } {
  if (size > 10 << 20) return { mounts: 4, checks: 3, otherRepos: true };
  if (size > 100 << 10) return { mounts: 3, checks: 1, otherRepos: false };
  return { mounts: 1, checks: 1, otherRepos: false };
}

const layerDescriptor = (digest: string, size: number): Descriptor => ({ mediaType: MediaType.dockerLayer, size, digest });

/** Path components two repositories share from the start (dockerd prefers the nearest). */
function likeness(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

/**
 * Push one layer as dockerd 20.10: a HEAD for the best-known digest in the target
 * repository ("Layer already exists"); mounts from other repositories of the same
 * registry that are known to have it ("Mounted from x"); more HEADs for big layers;
 * else an upload of the layer's tar, gzip-compressed on the way ("Pushing",
 * "Pushed"). Resolves with the layer's descriptor for the manifest.
 */
export async function pushLayer(ctx: LayerPushContext, layer: LocalLayer): Promise<Descriptor> {
  const id = layerId(layer.diffId);
  const known = ctx.sources.of(layer.diffId);
  const limits = attempts(layer.size);
  const checked = new Set<string>();
  const here = (s: BlobSource): boolean => s.registry === ctx.host && s.repository === ctx.repo;

  const first = known.find(here) ?? known[0];
  if (first) {
    const found = await blobExists(ctx, layer, first, checked);
    if (found) return found;
  }

  let session: string | undefined;
  const mounts = known
    .filter((s) => s.registry === ctx.host && s.repository !== ctx.repo)
    .sort((a, b) => likeness(b.repository, ctx.repo) - likeness(a.repository, ctx.repo))
    .slice(0, limits.mounts);
  for (const s of mounts) {
    ctx.signal.throwIfAborted();
    let started;
    try {
      started = await startUpload(ctx.client, ctx.repo, { digest: s.digest, from: s.repository });
    } catch (err) {
      // A refused mount (no pull right on the source, say) is no failure: upload instead.
      if (ctx.signal.aborted) throw err;
      continue;
    }
    if (started.mounted) {
      ctx.sources.add({ ...s, repository: ctx.repo });
      ctx.progress.update(id, `Mounted from ${s.repository}`);
      return layerDescriptor(s.digest, s.size);
    }
    // Not mounted: the source does not have it (any more); the answer is a plain session.
    ctx.sources.remove(s);
    if (session) void cancelUpload(ctx.client, ctx.repo, session);
    session = started.location;
  }

  const others = known.filter((s) => !checked.has(s.digest) && (limits.otherRepos || here(s)));
  for (const s of others.slice(0, Math.max(0, limits.checks - checked.size))) {
    const found = await blobExists(ctx, layer, s, checked);
    if (found) {
      if (session) void cancelUpload(ctx.client, ctx.repo, session);
      return found;
    }
  }
  return upload(ctx, layer, session);
}

/** HEAD the target repository for a known digest of the layer. */
async function blobExists(ctx: LayerPushContext, layer: LocalLayer, s: BlobSource, checked: Set<string>): Promise<Descriptor | null> {
  if (checked.has(s.digest)) return null;
  checked.add(s.digest);
  const res = await ctx.client.request(ctx.repo, 'pull,push', { method: 'HEAD', url: ctx.client.url(ctx.repo, `blobs/${s.digest}`) });
  res.resume();
  if (res.statusCode === 200) {
    const size = Number(res.headers['content-length']) || s.size;
    ctx.sources.add({ diffId: layer.diffId, digest: s.digest, registry: ctx.host, repository: ctx.repo, size });
    ctx.progress.update(layerId(layer.diffId), 'Layer already exists');
    return layerDescriptor(s.digest, size);
  }
  if (res.statusCode === 404 && s.registry === ctx.host && s.repository === ctx.repo) ctx.sources.remove(s);
  return null;
}

/** Errors worth another attempt: the connection broke, or the registry had a passing fault. */
function retriable(err: unknown): boolean {
  return err instanceof TransportError || (err instanceof RegistryError && err.status >= 500) || (err as NodeJS.ErrnoException).code === 'ECONNRESET';
}

/** Compress and upload the layer's tar, up to MAX_ATTEMPTS times. */
async function upload(ctx: LayerPushContext, layer: LocalLayer, session: string | undefined): Promise<Descriptor> {
  const id = layerId(layer.diffId);
  for (let attempt = 1; ; attempt++) {
    let location = session;
    session = undefined;
    try {
      location ??= await openUpload(ctx.client, ctx.repo);
      const { digest, size } = await uploadBlob(ctx.client, ctx.repo, location, await compressed(ctx, layer));
      ctx.sources.add({ diffId: layer.diffId, digest, registry: ctx.host, repository: ctx.repo, size });
      ctx.progress.update(id, 'Pushed');
      return layerDescriptor(digest, size);
    } catch (err) {
      if (location) void cancelUpload(ctx.client, ctx.repo, location);
      if (ctx.signal.aborted || attempt >= MAX_ATTEMPTS || !retriable(err)) throw err;
      const delay = 5 * attempt;
      ctx.progress.update(id, `Retrying in ${delay} second${delay === 1 ? '' : 's'}`);
      await ctx.client.wait(delay * 1000);
    }
  }
}

/**
 * The layer's tar through a byte counter (the `Pushing` bar) and gzip in parallel
 * blocks (./upload-gzip.ts: the same tar always gives the same blob, and its digest
 * is kept in BlobSources as well, so a change of settings costs one upload).
 */
async function compressed(ctx: LayerPushContext, layer: LocalLayer): Promise<Readable> {
  const id = layerId(layer.diffId);
  const tar = await ctx.layerTar(layer.chainId);
  let read = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      read += chunk.length;
      ctx.progress.pushing(id, read, layer.size);
      cb(null, chunk);
    },
    flush(cb) {
      ctx.progress.pushing(id, read, layer.size, true);
      cb();
    },
  });
  return Readable.from(gzipBlocks(pipeline(tar, counter, () => undefined)), { objectMode: false });
}
