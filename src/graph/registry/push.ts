import type { Writable } from 'node:stream';
import { InvalidParameter, NotFound, Unauthorized } from '../../engine/errors.js';
import type { Graph } from '../graph.js';
import { chainIds } from '../layers.js';
import { familiar, familiarName, type Reference } from '../reference.js';
import type { ImageRecord } from '../types.js';
import { NO_BASIC_AUTH, type TokenCache } from './auth.js';
import { RegistryClient } from './client.js';
import { errorFrom } from './errors.js';
import { sha256Digest } from './manifest.js';
import { saveManifest } from './manifest-store.js';
import { Limit } from './limit.js';
import { splitRepo } from './pull.js';
import { pushLayer, type LayerPushContext, type LocalLayer } from './push-layer.js';
import { layerId, PushProgress } from './push-progress.js';
import { BlobSources } from './push-sources.js';
import { MediaType, type AuthConfig, type Descriptor, type RegistrySettings } from './types.js';
import { openUpload, uploadBlob } from './upload.js';

export interface PushOptions {
  /** Normalised; with a tag, or a bare name for every tag of the repository. */
  ref: Reference;
  creds: AuthConfig;
  settings: RegistrySettings;
  tokens: TokenCache;
  maxConcurrentUploads: number;
  out: Writable | null;
  signal: AbortSignal;
}

export interface PushedTag {
  tag: string;
  image: ImageRecord;
  digest: string;
  size: number;
}

/** The tags of `repo` in the reference store, as dockerd's ReferencesByName (lexical order). */
function tagsOf(graph: Graph, repo: string): { tag: string; imageId: string }[] {
  const rows = graph.store.prepare("SELECT ref, image_id FROM tags WHERE substr(ref, 1, length(?) + 1) = ? || ':' ORDER BY ref")
    .all(repo, repo) as { ref: string; image_id: string }[];
  return rows
    .map((r) => ({ tag: r.ref.slice(repo.length + 1), imageId: r.image_id }))
    .filter((r) => !r.tag.includes('/'));
}

/**
 * `docker push` as dockerd 20.10: every tag asked for (one, or all of the
 * repository) goes out as its layers (see ./push-layer.ts, at most
 * `maxConcurrentUploads` at a time), its config blob and a schema 2 manifest PUT
 * under the tag. Each tag ends with `<tag>: digest: <digest> size: <n>` and an aux
 * message; the manifest's digest becomes a RepoDigest of the image.
 */
export async function push(graph: Graph, opts: PushOptions): Promise<PushedTag[]> {
  const { ref } = opts;
  const progress = new PushProgress(opts.out);
  progress.message(`The push refers to repository [${ref.repo}]`);
  const all = tagsOf(graph, ref.repo);
  if (all.length === 0) throw new NotFound(`An image does not exist locally with the tag: ${familiarName(ref.repo)}`);
  if (ref.digest !== undefined && ref.tag === undefined) throw new InvalidParameter('cannot push a digest reference');
  let todo = all;
  if (ref.tag !== undefined) {
    todo = all.filter((t) => t.tag === ref.tag);
    if (todo.length === 0) throw new NotFound(`tag does not exist: ${familiar(ref)}`);
  }

  const [host, path] = splitRepo(ref.repo);
  // One failed layer stops the others: they share this signal through the client.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const client = await RegistryClient.connect(host, { settings: opts.settings, creds: opts.creds, tokens: opts.tokens, forPull: false, signal: stop.signal });
    const ctx: LayerPushContext = {
      client, host, repo: path, sources: new BlobSources(graph.store), progress,
      layerTar: (chainId) => graph.layerTar(chainId), signal: stop.signal,
    };
    // Layers already sent by this push (an earlier tag): "Layer already exists" without asking.
    const sent = new Map<string, Descriptor>();
    const done: PushedTag[] = [];
    for (const t of todo) {
      const image = graph.getImage(t.imageId);
      const layers = await pushLayers(ctx, graph, image, sent, opts.maxConcurrentUploads, stop);
      done.push(await pushManifest(ctx, graph, ref.repo, t.tag, image, layers));
    }
    return done;
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
}

/** The image's layers, bottom first, each pushed (or found) once; descriptors in the same order. */
async function pushLayers(ctx: LayerPushContext, graph: Graph, image: ImageRecord, sent: Map<string, Descriptor>, maxConcurrent: number, stop: AbortController): Promise<Descriptor[]> {
  const diffIds = image.config.rootfs.diff_ids;
  const chain = chainIds(diffIds);
  const layers: LocalLayer[] = diffIds.map((diffId, i) => ({ diffId, chainId: chain[i]!, size: graph.getLayer(chain[i]!).size }));
  // dockerd lists the layers top first.
  for (const l of [...layers].reverse()) ctx.progress.update(layerId(l.diffId), 'Preparing');
  const limit = new Limit(maxConcurrent);
  const running = new Map<string, Promise<Descriptor>>();
  const one = async (l: LocalLayer): Promise<Descriptor> => {
    const id = layerId(l.diffId);
    const known = sent.get(l.diffId);
    if (known) {
      ctx.progress.update(id, 'Layer already exists');
      return known;
    }
    if (!limit.free) ctx.progress.update(id, 'Waiting');
    const release = await limit.acquire();
    try {
      ctx.signal.throwIfAborted();
      const d = await pushLayer(ctx, l).catch((err: unknown) => {
        // dockerd's retryOnError unwraps the url.Error of a layer's requests: the
        // push fails with the bare 'no basic auth credentials'.
        if (err instanceof Unauthorized && err.message.endsWith(`: ${NO_BASIC_AUTH}`)) throw new Unauthorized(NO_BASIC_AUTH, { cause: err });
        throw err;
      });
      sent.set(l.diffId, d);
      return d;
    } finally {
      release();
    }
  };
  for (const l of [...layers].reverse()) if (!running.has(l.diffId)) running.set(l.diffId, one(l));
  const all = [...running.values()];
  try {
    await Promise.all(all);
  } catch (err) {
    stop.abort(err);
    await Promise.allSettled(all);
    throw err;
  }
  return Promise.all(layers.map((l) => running.get(l.diffId)!));
}

/** Config blob (unless the registry has it), then the manifest under `tag`. */
async function pushManifest(ctx: LayerPushContext, graph: Graph, repo: string, tag: string, image: ImageRecord, layers: Descriptor[]): Promise<PushedTag> {
  const { client } = ctx;
  const config = image.configBytes;
  const head = await client.request(ctx.repo, 'pull,push', { method: 'HEAD', url: client.url(ctx.repo, `blobs/${image.id}`) });
  head.resume();
  if (head.statusCode !== 200) {
    await uploadBlob(client, ctx.repo, await openUpload(client, ctx.repo), [config]);
  }
  // Go's json.MarshalIndent with three spaces, as distribution's schema2 package writes it.
  const bytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { mediaType: MediaType.dockerConfig, size: config.length, digest: image.id },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
  }, null, 3));
  const res = await client.request(ctx.repo, 'pull,push', {
    method: 'PUT', url: client.url(ctx.repo, `manifests/${tag}`),
    headers: { 'content-type': MediaType.dockerManifest, 'content-length': String(bytes.length) }, body: bytes,
  });
  if (res.statusCode !== 201 && res.statusCode !== 200 && res.statusCode !== 202) throw await errorFrom(res);
  res.resume();
  const digest = sha256Digest(bytes);
  ctx.progress.message(`${tag}: digest: ${digest} size: ${bytes.length}`);
  saveManifest(graph.store, { digest, mediaType: MediaType.dockerManifest, bytes, parsed: JSON.parse(bytes.toString()) });
  graph.tag(image.id, { repo, digest });
  ctx.progress.result(tag, digest, bytes.length);
  return { tag, image, digest, size: bytes.length };
}
