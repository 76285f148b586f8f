import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { InvalidParameter, isErrno, kindOf } from '../../engine/errors.js';
import type { ImageConfig } from '../types.js';
import { decompress } from './decompress.js';
import { readOciIndex } from './oci.js';
import { familiarTag, parseTag } from './ref.js';
import type { SpoolDir } from './spool.js';
import type { ArchiveGraph, LoadGraph, LoadedImage, ManifestEntry } from './types.js';

/** Small JSON members (manifest, configs) are read whole; anything larger is hostile. */
const MAX_JSON = 32 << 20;

export interface LoadHooks {
  /** A layer (by chainID) starts or finishes loading, `size` bytes as archived (progress for the client). */
  layer?: (chainId: string, phase: 'start' | 'progress' | 'done' | 'exists', size: number, current: number) => void;
  /** A tag moved to the loaded image from `from` (dockerd prints a notice). */
  renamed?: (tag: string, from: string) => void;
  signal?: AbortSignal;
}

/** chainID as in the OCI image spec. */
export function chainIdOf(parent: string | null, diffId: string): string {
  return parent === null ? diffId : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`;
}

/** The entries of `manifest.json`, validated; OCI layouts are translated to the same shape. */
export async function readManifest(dir: SpoolDir): Promise<ManifestEntry[]> {
  if (!(await dir.exists('manifest.json'))) {
    if (await dir.exists('index.json')) return readOciIndex(dir);
    if (await dir.exists('repositories')) {
      throw new InvalidParameter('invalid archive: the legacy format (repositories and layer json without manifest.json) is not supported; save the image again with a newer docker');
    }
    throw new InvalidParameter('invalid archive: manifest.json not found in the archive');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse((await dir.readSmall('manifest.json', MAX_JSON)).toString('utf8'));
  } catch (err) {
    if (err instanceof InvalidParameter) throw err;
    throw new InvalidParameter(`invalid archive: manifest.json: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new InvalidParameter('invalid archive: manifest.json is not a list');
  return parsed.map((e: unknown, i) => {
    const m = e as Partial<ManifestEntry> | null;
    const ok = m && typeof m.Config === 'string' && Array.isArray(m.Layers) && m.Layers.every((l) => typeof l === 'string') &&
      (m.RepoTags == null || (Array.isArray(m.RepoTags) && m.RepoTags.every((t) => typeof t === 'string')));
    if (!ok) throw new InvalidParameter(`invalid archive: manifest.json entry ${i} is malformed`);
    return { Config: m.Config!, Layers: m.Layers!, RepoTags: m.RepoTags ?? null };
  });
}

function parseConfig(bytes: Buffer, name: string): ImageConfig {
  let cfg: ImageConfig;
  try {
    cfg = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch (err) {
    throw new InvalidParameter(`invalid archive: ${name}: ${(err as Error).message}`);
  }
  if (!cfg || typeof cfg !== 'object' || !cfg.rootfs || !Array.isArray(cfg.rootfs.diff_ids)) {
    throw new InvalidParameter(`invalid archive: ${name} is not an image config (no rootfs.diff_ids)`);
  }
  if (cfg.os && cfg.os !== 'linux') throw new InvalidParameter(`image operating system "${cfg.os}" cannot be used on this platform`);
  return cfg;
}

/** Everything about one entry that can be checked before touching the graph. */
interface Plan {
  entry: ManifestEntry;
  configBytes: Buffer;
  diffIds: string[];
  tags: string[];
}

async function plan(dir: SpoolDir, entry: ManifestEntry): Promise<Plan> {
  const configBytes = await dir.readSmall(entry.Config, MAX_JSON);
  const cfg = parseConfig(configBytes, entry.Config);
  const diffIds = cfg.rootfs.diff_ids;
  if (diffIds.length !== entry.Layers.length) {
    throw new InvalidParameter(`invalid manifest, layers length mismatch: expected ${diffIds.length}, got ${entry.Layers.length}`);
  }
  for (const d of diffIds) if (!/^sha256:[0-9a-f]{64}$/.test(String(d))) throw new InvalidParameter(`invalid archive: bad diff_id ${JSON.stringify(d)} in ${entry.Config}`);
  for (const l of entry.Layers) {
    if (!(await dir.exists(l))) throw new InvalidParameter(`invalid archive: layer ${l} not found in the archive`);
  }
  // Tags are validated up front too, so a bad one fails the load before any layer is written.
  const tags = (entry.RepoTags ?? []).map((t) => familiarTag(parseTag(t)));
  return { entry, configBytes, diffIds, tags };
}

/** How often a layer's progress is reported while it loads. */
const PROGRESS_MS = 100;

/**
 * Load every image of a spooled docker-archive (or OCI layout) into the graph:
 * layers bottom-up (each verified against its diffID while it streams in), then
 * the config exactly as archived (so the ID is the same), then its tags. All entries
 * are checked before the first layer is written, so a malformed archive changes nothing.
 */
export async function loadArchive(graph: LoadGraph, dir: SpoolDir, hooks: LoadHooks = {}): Promise<LoadedImage[]> {
  const entries = await readManifest(dir);
  if (entries.length === 0) throw new InvalidParameter('invalid archive: manifest.json lists no image');
  const plans: Plan[] = [];
  for (const e of entries) plans.push(await plan(dir, e));

  const loaded: LoadedImage[] = [];
  for (const p of plans) loaded.push(await loadOne(graph, dir, p, hooks));
  return loaded;
}

/** One image: its layers, then its config and tags. A failure releases the layers it added. */
async function loadOne(graph: LoadGraph, dir: SpoolDir, p: Plan, hooks: LoadHooks): Promise<LoadedImage> {
  let parent: string | null = null;
  const added: string[] = [];
  try {
    for (let i = 0; i < p.diffIds.length; i++) {
      hooks.signal?.throwIfAborted();
      const diffId = p.diffIds[i]!;
      const chainId = chainIdOf(parent, diffId);
      if (graph.hasLayer?.(chainId)) {
        hooks.layer?.(chainId, 'exists', 0, 0);
      } else {
        const size = hooks.layer ? await dir.size(p.entry.Layers[i]!) : 0;
        hooks.layer?.(chainId, 'start', size, 0);
        await createLayer(graph, dir, parent, p.entry.Layers[i]!, diffId, (n) => hooks.layer?.(chainId, 'progress', size, n));
        added.push(chainId);
        hooks.layer?.(chainId, 'done', size, size);
      }
      parent = chainId;
    }
    const img = graph.createImage(p.configBytes);
    added.length = 0;
    const done: LoadedImage = { id: img.id, tags: p.tags, renamed: [] };
    for (const tag of p.tags) {
      const prev = currentImage(graph, tag);
      if (prev && prev !== img.id) {
        done.renamed.push({ tag, from: prev });
        hooks.renamed?.(tag, prev);
      }
      graph.tag(img.id, tag);
    }
    return done;
  } catch (err) {
    // Layers this load added for an image that never came to be go again (release
    // stops at any layer another image or layer still uses).
    if (added.length && graph.releaseLayer) await graph.releaseLayer(added.at(-1)!, added).catch(() => undefined);
    throw err;
  }
}

/**
 * Stream one layer member (decompressed when its magic says so) into the graph.
 * Progress is sampled from the file stream's byte count on a timer, which costs
 * nothing per chunk.
 */
async function createLayer(graph: LoadGraph, dir: SpoolDir, parent: string | null, member: string, diffId: string, progress: (bytes: number) => void): Promise<void> {
  const file = createReadStream(dir.resolve(member));
  const timer = setInterval(() => progress(file.bytesRead), PROGRESS_MS);
  const tar = await decompress(file);
  try {
    await graph.createLayer(parent, tar, { expectDiffId: diffId });
  } catch (err) {
    tar.destroy();
    if (isErrno(err) && err.path?.startsWith(dir.root)) throw new InvalidParameter(`invalid archive: ${err.message}`, { cause: err });
    throw err;
  } finally {
    clearInterval(timer);
    file.destroy();
  }
}

/** The image a tag points at now, or null. */
function currentImage(graph: ArchiveGraph, tag: string): string | null {
  try {
    return graph.resolve(tag).id;
  } catch (err) {
    if (kindOf(err) === 'not_found') return null;
    throw err;
  }
}
