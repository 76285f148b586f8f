import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ImageRecord } from '../types.js';
import { goMap } from '../../engine/go-map.js';
import { chainIdOf } from './load.js';
import { familiarRepo, parseTag } from './ref.js';
import { goJson, v1Fields, v1Id, v1Json } from './v1-image.js';
import type { ArchiveGraph, ManifestEntry } from './types.js';

/**
 * `docker save`: a docker-archive as dockerd 20.10 writes it, streamed straight to
 * the client. Per layer a directory with `VERSION`, `json` (the legacy v1 config)
 * and `layer.tar` (byte for byte the tar the layer was made from, so its sha256 is
 * still the diffID); per image `<id>.json` with the config bytes as stored; then
 * `manifest.json` and `repositories`. Loaders (dockerd's included) follow only
 * `manifest.json`; the layer directories are named and filled as dockerd's
 * (v1-image.ts), so the same image saves to the same names.
 */

export interface SaveItem {
  image: ImageRecord;
  /** Familiar tags to record (`busybox:latest`); empty when saved by ID. */
  tags: string[];
}

const EPOCH = new Date(0);

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

async function addEntry(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
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
    /** diffID → the archive path of its layer.tar, for the repeats' symlinks. */
    const tarOf = new Map<string, string>();
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
        const fields = v1Fields(top ? cfg : null);
        const id = v1Id(fields, chain, parentV1);
        if (!written.has(id)) {
          written.add(id);
          pack.entry({ name: `${id}/`, type: 'directory', mode: 0o755, mtime });
          await addFile(pack, `${id}/VERSION`, Buffer.from('1.0'), mtime);
          await addFile(pack, `${id}/json`, v1Json(fields, id, parentV1, cfg.os ?? ''), mtime);
          const first = tarOf.get(diffIds[i]!);
          if (first) {
            // A layer already in the archive (under another v1 ID) is a symlink to it, as dockerd's saveLayer.
            await addEntry(pack, { name: `${id}/layer.tar`, type: 'symlink', linkname: `../${first}`, mode: 0o777, mtime });
          } else {
            tarOf.set(diffIds[i]!, `${id}/layer.tar`);
            const layer = await sized(await graph.layerTar(chain), opts.tmpDir, await graph.layerTarSize?.(chain));
            try {
              const entry = pack.entry({ name: `${id}/layer.tar`, mode: 0o644, mtime, size: layer.size });
              await pipeline(layer.stream, entry);
            } finally {
              await layer.done();
            }
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
    // Both end with a newline: dockerd writes them with a json.Encoder.
    await addFile(pack, 'manifest.json', Buffer.from(`${goJson(manifest)}\n`), EPOCH);
    if (Object.keys(repositories).length > 0) await addFile(pack, 'repositories', Buffer.from(`${goJson(sortedRepositories(repositories))}\n`), EPOCH);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  await sent;
}

/** repositories is a Go map of maps: its JSON has both levels' keys sorted. */
function sortedRepositories(r: Record<string, Record<string, string>>): Record<string, Record<string, string>> {
  return goMap(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, goMap(v)])));
}
