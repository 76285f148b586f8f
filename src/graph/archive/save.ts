import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ImageConfig, ImageRecord } from '../types.js';
import { chainIdOf } from './load.js';
import { familiarRepo, parseTag } from './ref.js';
import type { ArchiveGraph, ManifestEntry } from './types.js';

/**
 * `docker save`: a docker-archive as dockerd 20.10 writes it, streamed straight to
 * the client. Per layer a directory with `VERSION`, `json` (the legacy v1 config)
 * and `layer.tar` (byte for byte the tar the layer was made from, so its sha256 is
 * still the diffID); per image `<id>.json` with the config bytes as stored; then
 * `manifest.json` and `repositories`. Loaders (dockerd's included) follow only
 * `manifest.json`, so the layer directory names need only be unique and stable:
 * they are derived from the chain and the parent directory, as v1 IDs were.
 */

export interface SaveItem {
  image: ImageRecord;
  /** Familiar tags to record (`busybox:latest`); empty when saved by ID. */
  tags: string[];
}

const EPOCH = new Date(0);

/** The v1-compatible ID of a layer directory: stable for a chain, distinct per image on top. */
function v1Id(chainId: string, parent: string, imageId: string | null): string {
  return createHash('sha256').update(JSON.stringify({ layer_id: chainId, parent, image: imageId })).digest('hex');
}

/** The legacy `json` of a layer directory. The top layer carries the image's config. */
function v1Json(cfg: ImageConfig, id: string, parent: string, top: boolean): Buffer {
  const base: Record<string, unknown> = top
    ? Object.fromEntries(Object.entries(cfg).filter(([k]) => k !== 'rootfs' && k !== 'history'))
    : { created: EPOCH.toISOString().replace('.000Z', 'Z'), container_config: { Cmd: null, Image: '', Volumes: null, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null } };
  const out: Record<string, unknown> = { id, ...(parent ? { parent } : {}), ...base, os: cfg.os ?? 'linux' };
  return Buffer.from(JSON.stringify(out));
}

/**
 * A layer tar with its size known, as a tar header needs it first. A file-backed
 * stream is measured in place; anything else is spooled once to `tmpDir`.
 */
async function sized(src: Readable, tmpDir: string, known: number | undefined): Promise<{ size: number; stream: Readable; done: () => Promise<void> }> {
  if (known !== undefined) return { size: known, stream: src, done: async () => {} };
  const path = (src as Readable & { path?: unknown }).path;
  if (typeof path === 'string') {
    return { size: (await stat(path)).size, stream: src, done: async () => {} };
  }
  await mkdir(tmpDir, { recursive: true });
  const file = join(tmpDir, `save-layer-${randomBytes(8).toString('hex')}.tar`);
  try {
    await pipeline(src, createWriteStream(file));
    const size = (await stat(file)).size;
    return { size, stream: createReadStream(file), done: () => rm(file, { force: true }) };
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
}

async function addFile(pack: tar.Pack, name: string, body: Buffer, mtime: Date): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    pack.entry({ name, mode: 0o644, mtime, size: body.length }, body, (err) => (err ? reject(err) : resolve()));
  });
}

/** Write the archive of `items` to `out`; `tmpDir` is for layers whose size the graph does not know. */
export async function writeArchive(graph: ArchiveGraph, items: SaveItem[], out: Writable, opts: { tmpDir: string; signal?: AbortSignal }): Promise<void> {
  const pack = tar.pack();
  const sent = pipeline(pack, out, ...(opts.signal ? [{ signal: opts.signal }] as const : []));
  sent.catch(() => { /* reported by the awaited call below */ });
  try {
    const manifest: ManifestEntry[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    const written = new Set<string>();
    for (const { image, tags } of items) {
      const cfg = image.config;
      const created = cfg.created ? new Date(cfg.created) : EPOCH;
      const mtime = Number.isNaN(created.getTime()) ? EPOCH : created;
      const diffIds = cfg.rootfs.diff_ids;
      const layers: string[] = [];
      let parentV1 = '';
      let chain: string | null = null;
      for (let i = 0; i < diffIds.length; i++) {
        opts.signal?.throwIfAborted();
        chain = chainIdOf(chain, diffIds[i]!);
        const top = i === diffIds.length - 1;
        const id = v1Id(chain, parentV1, top ? image.id : null);
        if (!written.has(id)) {
          written.add(id);
          pack.entry({ name: `${id}/`, type: 'directory', mode: 0o755, mtime });
          await addFile(pack, `${id}/VERSION`, Buffer.from('1.0'), mtime);
          await addFile(pack, `${id}/json`, v1Json(cfg, id, parentV1, top), mtime);
          const layer = await sized(await graph.layerTar(chain), opts.tmpDir, await graph.layerTarSize?.(chain));
          try {
            const entry = pack.entry({ name: `${id}/layer.tar`, mode: 0o644, mtime, size: layer.size });
            await pipeline(layer.stream, entry);
          } finally {
            await layer.done();
          }
        }
        layers.push(`${id}/layer.tar`);
        parentV1 = id;
      }
      const hex = image.id.replace(/^sha256:/, '');
      if (!written.has(`${hex}.json`)) {
        written.add(`${hex}.json`);
        await addFile(pack, `${hex}.json`, image.configBytes, mtime);
      }
      manifest.push({ Config: `${hex}.json`, RepoTags: tags.length ? tags : null, Layers: layers });
      for (const t of tags) {
        const ref = parseTag(t);
        (repositories[familiarRepo(ref.repo)] ??= {})[ref.tag] = parentV1;
      }
    }
    await addFile(pack, 'manifest.json', Buffer.from(JSON.stringify(manifest)), EPOCH);
    if (Object.keys(repositories).length > 0) await addFile(pack, 'repositories', Buffer.from(JSON.stringify(repositories)), EPOCH);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  await sent;
}
