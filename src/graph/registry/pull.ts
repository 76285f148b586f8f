import type { Writable } from 'node:stream';
import { InvalidParameter, NotFound } from '../../engine/errors.js';
import { parseConfig, type Graph } from '../graph.js';
import { familiar, familiarName, type Reference } from '../reference.js';
import type { ImageRecord } from '../types.js';
import type { TokenCache } from './auth.js';
import { blobStream } from './blob.js';
import { RegistryClient } from './client.js';
import { errorFrom, translatePullError } from './errors.js';
import { readBody } from './http.js';
import { pullLayers } from './layers.js';
import { fetchManifest, isIndex } from './manifest.js';
import { saveManifest } from './manifest-store.js';
import { configMatches, formatWant, parseWant, selectManifest, type Want } from './platform.js';
import { PullProgress } from './progress.js';
import { BlobSources } from './push-sources.js';
import type { AuthConfig, FetchedManifest, ImageManifest, RegistrySettings } from './types.js';

export interface PullOptions {
  /** Normalised; with a tag or a digest, or neither for all tags. */
  ref: Reference;
  platform?: string;
  creds: AuthConfig;
  settings: RegistrySettings;
  tokens: TokenCache;
  maxConcurrentDownloads: number;
  out: Writable | null;
  signal: AbortSignal;
}

/** One reference pulled: what the job reports and publishes. */
export interface Pulled {
  ref: Reference;
  image: ImageRecord;
  digest: string;
  /** The reference now points somewhere it did not before (dockerd's "Downloaded newer image"). */
  updated: boolean;
}

const MAX_CONFIG_BYTES = 32 << 20;

/** `docker.io/library/busybox` → [`docker.io`, `library/busybox`]. */
export function splitRepo(repo: string): [string, string] {
  const i = repo.indexOf('/');
  return [repo.slice(0, i), repo.slice(i + 1)];
}

/**
 * Pull as dockerd 20.10: the manifest (a list or index resolved to `platform`), the
 * config, then the layers (see ./layers.ts), then the image, its tag and its digest
 * reference, all only once everything is verified. Writes the JSON progress stream
 * and ends with `Digest:` and `Status:` lines.
 */
export async function pull(graph: Graph, opts: PullOptions): Promise<Pulled[]> {
  const { ref } = opts;
  const want = parseWant(opts.platform);
  const [host, path] = splitRepo(ref.repo);
  const name = familiarName(ref.repo);
  const progress = new PullProgress(opts.out);
  let client: RegistryClient;
  try {
    client = await RegistryClient.connect(host, { settings: opts.settings, creds: opts.creds, tokens: opts.tokens, forPull: true, signal: opts.signal });
  } catch (err) {
    throw translatePullError(err, name, familiar(ref));
  }

  const one = async (r: Reference): Promise<Pulled> => {
    try {
      return await pullOne(graph, client, path, r, want, progress, opts);
    } catch (err) {
      throw translatePullError(err, name, familiar(r));
    }
  };

  if (ref.tag !== undefined || ref.digest !== undefined) {
    const done = await one(ref);
    progress.status(`Status: ${done.updated ? 'Downloaded newer image' : 'Image is up to date'} for ${familiar(ref)}`);
    return [done];
  }
  // All tags: each in turn with its own Digest line, one Status for the repository.
  const tags = await listTags(client, path).catch((err: unknown) => { throw translatePullError(err, name, name); });
  const done: Pulled[] = [];
  for (const tag of tags) done.push(await one({ repo: ref.repo, tag }));
  progress.status(`Status: ${done.some((d) => d.updated) ? 'Downloaded newer image' : 'Image is up to date'} for ${name}`);
  return done;
}

async function listTags(client: RegistryClient, repo: string): Promise<string[]> {
  const res = await client.request(repo, 'pull', { method: 'GET', url: client.url(repo, 'tags/list') });
  if (res.statusCode !== 200) throw await errorFrom(res);
  const body = JSON.parse((await readBody(res, 16 << 20, 'tag list')).toString('utf8')) as { tags?: string[] | null };
  // In the registry's order, as dockerd pulls them (distribution's is not always sorted).
  return (body.tags ?? []).filter((t) => typeof t === 'string');
}

async function pullOne(graph: Graph, client: RegistryClient, path: string, ref: Reference, want: Want, progress: PullProgress, opts: PullOptions): Promise<Pulled> {
  const top = await fetchManifest(client, path, ref.digest ?? ref.tag!);
  const manifest = await resolvePlatform(client, path, top, want);
  // dockerd's tagOrDigest: the tag, or the whole canonical reference for a digest.
  progress.message(ref.digest !== undefined ? `${ref.repo}@${ref.digest}` : ref.tag!, `Pulling from ${path}`);
  const image = manifest.parsed as ImageManifest;

  // As dockerd's pullSchema2Layers: an image already here (its ID is the config's
  // digest) needs neither its config nor a line per layer, only the references.
  const have = graph.findImage(image.config.digest);
  if (have) return record(graph, client, path, ref, top, manifest, image, have.configBytes, progress);

  const configBytes = await fetchConfig(client, path, image);
  const config = parseConfig(configBytes);
  if (top === manifest && opts.platform && !configMatches(config, want)) {
    throw new NotFound(`image with reference ${familiar(ref)} was found but does not match the specified platform: wanted ${formatWant(want)}, actual: ${formatWant({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) })}`);
  }
  if (config.os && config.os !== 'linux') throw new InvalidParameter(`image operating system "${config.os}" cannot be used on this platform`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== image.layers.length) {
    throw new InvalidParameter(`invalid manifest: ${image.layers.length} layers listed, but the image config has ${diffIds.length} diff_ids`);
  }

  await pullLayers({
    client, repo: path, layers: image.layers, diffIds, graph, progress,
    maxConcurrent: opts.maxConcurrentDownloads, signal: opts.signal,
  });
  opts.signal.throwIfAborted();
  return record(graph, client, path, ref, top, manifest, image, configBytes, progress);
}

/** The image, its manifests, where its blobs are, its tag and digest reference. */
function record(graph: Graph, client: RegistryClient, path: string, ref: Reference, top: FetchedManifest, manifest: FetchedManifest,
  image: ImageManifest, configBytes: Buffer, progress: PullProgress): Pulled {
  const before = graph.tags.lookup(ref.digest !== undefined ? { repo: ref.repo, digest: ref.digest } : ref);
  const created = graph.createImage(configBytes);
  saveManifest(graph.store, top);
  if (manifest !== top) saveManifest(graph.store, manifest);
  // Where these blobs are, for a later push to skip or mount them (./push-sources.ts).
  const diffIds = parseConfig(configBytes).rootfs.diff_ids;
  if (diffIds.length === image.layers.length) new BlobSources(graph.store).addPulled(client.endpoint.host, path, image.layers, diffIds);
  if (ref.digest === undefined) graph.tag(created.id, ref);
  // The digest reference makes `images --digests` and a later pull by digest work.
  graph.tag(created.id, { repo: ref.repo, digest: top.digest });
  progress.status(`Digest: ${top.digest}`);
  return { ref, image: graph.getImage(created.id), digest: top.digest, updated: before !== created.id };
}

/** A list or index resolved to the wanted platform's manifest (fetched by digest). */
async function resolvePlatform(client: RegistryClient, path: string, m: FetchedManifest, want: Want): Promise<FetchedManifest> {
  if (!isIndex(m)) return m;
  const entry = selectManifest(m.parsed.manifests, want);
  const chosen = await fetchManifest(client, path, entry.digest);
  if (isIndex(chosen)) throw new InvalidParameter('invalid manifest list: an entry is itself a manifest list');
  return chosen;
}

/** The config blob, verified against its digest. */
export async function fetchConfig(client: RegistryClient, path: string, m: ImageManifest): Promise<Buffer> {
  if (m.config.size > MAX_CONFIG_BYTES) throw new InvalidParameter(`error pulling image configuration: config blob too large (${m.config.size} bytes)`);
  const chunks: Buffer[] = [];
  try {
    for await (const c of blobStream(client, path, m.config)) chunks.push(c as Buffer);
  } catch (err) {
    // dockerd 20.10's words for a config the registry does not have (not retried).
    if (err instanceof NotFound) throw new NotFound(`error pulling image configuration: download failed after attempts=1: ${err.message}`, { cause: err });
    if (err instanceof InvalidParameter) throw new InvalidParameter(`error pulling image configuration: image config verification failed for digest ${m.config.digest}`, { cause: err });
    throw err;
  }
  return Buffer.concat(chunks);
}
