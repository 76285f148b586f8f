import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidParameter, NotFound } from '../engine/errors.js';
import type { Logger } from '../engine/log.js';
import type { Store } from '../engine/store.js';
import type { GraphDriver } from '../drivers/graphdriver/types.js';
import { chainIds, Layers } from './layers.js';
import { familiar, format, isDigest, isFullHexId, parseNamed, withDefaultTag, type Reference } from './reference.js';
import { parseTagRef, Tags } from './tags.js';
import type { ImageConfig, ImageRecord, LayerRecord } from './types.js';

/** A container that uses an image, as the containers area reports it (for rmi's conflicts). */
export interface ImageUser {
  id: string;
  running: boolean;
}

interface ImageRow {
  id: string;
  config: Buffer;
  top_layer: string | null;
  parent: string | null;
  created_at: number;
  last_tagged: number | null;
}

/**
 * The image graph: images, layers, tags and digests over a graphdriver, with all
 * metadata in the store. The contract is documented in ./types.ts.
 *
 * Two hooks belong to the containers area, which replaces them at install time:
 * `usedBy(imageId)` lists the containers created from an image (rmi refuses to delete
 * it, prune skips it), and `heldLayers()` lists chainIDs under containers' RW layers,
 * which the start-up sweep must keep even when no image refers to them any more.
 */
export class Graph {
  readonly layers: Layers;
  readonly tags: Tags;
  /** Containers using an image; none until the containers area installs its hook. */
  usedBy: (imageId: string) => ImageUser[] = () => [];
  /** Layers held by containers; none until the containers area installs its hook. */
  heldLayers: () => Iterable<string> = () => [];
  private readonly configs = new Map<string, ImageConfig>();
  private imageList: ImageRecord[] | null = null;
  private changes = 0;
  /** Chain sizes by top layer; layers are immutable, so only a removal can change them. */
  private readonly sizes = new Map<string, number>();

  constructor(
    readonly store: Store,
    readonly driver: GraphDriver,
    private readonly log: Logger,
    /** `<data-root>`; by the driver contract its home is `<data-root>/<driver-name>`. */
    dataRoot: string = dirname(driver.home),
  ) {
    this.layers = new Layers(store, driver, dataRoot, log);
    this.tags = new Tags(store);
  }

  imageCount(): number {
    return (this.store.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  }

  // ---- layers ----

  hasLayer(chainId: string): boolean {
    return this.layers.has(chainId);
  }

  getLayer(chainId: string): LayerRecord {
    return this.layers.get(chainId);
  }

  createLayer(parent: string | null, tar: Readable, opts: { expectDiffId?: string } = {}): Promise<LayerRecord> {
    return this.layers.create(parent, tar, opts);
  }

  layerTar(chainId: string): Promise<Readable> {
    return this.layers.tar(chainId);
  }

  /** Remove `chainId` and its ancestors while no image or layer uses them (a load that failed half-way). */
  releaseLayer(chainId: string, own: readonly string[] = []): Promise<LayerRecord[]> {
    // The caller's own new layers are still under their grace pins (which protect
    // them from a concurrent prune); giving them up means dropping those pins first.
    this.layers.settle(own);
    this.changed();
    return this.layers.release(chainId);
  }

  // ---- images ----

  /** Store an image config (idempotent); every layer of its rootfs must exist already. */
  createImage(configBytes: Buffer, opts: { parent?: string } = {}): ImageRecord {
    const config = parseConfig(configBytes);
    const chain = chainIds(config.rootfs.diff_ids);
    const top = chain.at(-1) ?? null;
    if (top !== null && !this.layers.has(top)) throw new InvalidParameter(`failed to get layer ${top}`);
    const id = `sha256:${createHash('sha256').update(configBytes).digest('hex')}`;
    const db = this.store.db;
    this.store.tx(() => {
      db.prepare('INSERT INTO images (id, config, top_layer, parent, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING')
        .run(id, configBytes, top, opts.parent ?? null, Date.now());
      if (opts.parent) db.prepare('UPDATE images SET parent = ? WHERE id = ?').run(opts.parent, id);
    });
    this.layers.settle(chain);
    this.changed();
    return this.getImage(id);
  }

  findImage(id: string): ImageRecord | undefined {
    const row = this.store.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && this.record(row);
  }

  /** An image by its full ID (`sha256:…`). */
  getImage(id: string): ImageRecord {
    const img = this.findImage(id);
    if (!img) throw new NotFound(`No such image: ${id}`);
    return img;
  }

  /**
   * Every image. Kept in memory between changes: `docker images` is the API's busiest
   * read, and the graph is the only writer of these tables, so every change below
   * drops the copy (`changed`). The records are shared: callers must not modify them.
   */
  listImages(): readonly ImageRecord[] {
    this.imageList ??= (this.store.prepare('SELECT * FROM images').all() as ImageRow[]).map((r) => this.record(r));
    return this.imageList;
  }

  /** Counts the changes to images and tags: a copy made from the graph is current while this has not moved. */
  get generation(): number {
    return this.changes;
  }

  private changed(): void {
    this.changes++;
    this.imageList = null;
    this.sizes.clear();
  }

  /** Images whose parent is `imageId` (built on top of it). */
  children(imageId: string): string[] {
    return (this.store.prepare('SELECT id FROM images WHERE parent = ?').all(imageId) as { id: string }[]).map((r) => r.id);
  }

  /** When a tag last moved onto the image (ms since the epoch), or null. */
  lastTagTime(imageId: string): number | null {
    const row = this.store.prepare('SELECT last_tagged FROM images WHERE id = ?').get(imageId) as { last_tagged: number | null } | undefined;
    return row?.last_tagged ?? null;
  }

  /**
   * Resolve what a user typed, as dockerd's GetImage: a full ID (bare hex or
   * `sha256:hex`), then a name[:tag] or name@digest, then a unique ID prefix (with or
   * without `sha256:`). An invalid name is InvalidParameter; nothing found is
   * NotFound `No such image: <familiar name:tag>`.
   */
  resolve(refOrId: string): ImageRecord {
    if (isFullHexId(refOrId) || isDigest(refOrId)) {
      const id = isFullHexId(refOrId) ? `sha256:${refOrId}` : refOrId;
      const img = this.findImage(id);
      if (!img) throw new NotFound(`No such image: ${id}`);
      return img;
    }
    const ref = parseNamed(refOrId);
    const byRef = this.tags.lookup(ref.digest !== undefined ? { repo: ref.repo, digest: ref.digest } : withDefaultTag(ref));
    const img = (byRef && this.findImage(byRef)) || this.searchId(refOrId);
    if (!img) throw new NotFound(`No such image: ${familiar(withDefaultTag(ref))}`);
    return img;
  }

  /** A unique image whose ID starts with `prefix` (hex, optionally `sha256:`-prefixed). */
  private searchId(prefix: string): ImageRecord | undefined {
    const hex = prefix.startsWith('sha256:') ? prefix.slice(7) : prefix;
    if (!/^[a-f0-9]+$/.test(hex)) return undefined;
    const rows = this.store.prepare('SELECT id FROM images WHERE id LIKE ? LIMIT 2').all(`sha256:${hex}%`) as { id: string }[];
    return rows.length === 1 ? this.findImage(rows[0]!.id) : undefined;
  }

  /** Point a tag (`repo[:tag]`, familiar or full) at an image; returns the normalised reference. */
  tag(imageId: string, ref: string | Reference): Reference {
    this.getImage(imageId);
    try {
      return this.tags.add(imageId, typeof ref === 'string' ? parseTagRef(ref) : ref);
    } finally {
      this.changed();
    }
  }

  /** Remove one tag or digest reference; returns the image it pointed at. */
  untag(ref: string | Reference): string {
    try {
      return this.tags.remove(typeof ref === 'string' ? parseNamed(ref) : ref);
    } finally {
      this.changed();
    }
  }

  /**
   * Delete an image: its references and row in one transaction, then the layers
   * nobody else uses (files after rows). Returns the layers removed, top first.
   * Conflicts (children, containers) are the caller's policy (the rmi job).
   */
  async deleteImage(imageId: string): Promise<LayerRecord[]> {
    const img = this.getImage(imageId);
    const db = this.store.db;
    this.store.tx(() => {
      db.prepare('DELETE FROM tags WHERE image_id = ?').run(imageId);
      db.prepare('DELETE FROM digests WHERE image_id = ?').run(imageId);
      db.prepare('UPDATE images SET parent = NULL WHERE parent = ?').run(imageId);
      db.prepare('DELETE FROM images WHERE id = ?').run(imageId);
    });
    this.configs.delete(imageId);
    this.changed();
    return this.layers.release(img.topLayer, new Set(this.heldLayers()));
  }

  /** Total bytes of the image's layer chain. */
  imageSize(image: ImageRecord): number {
    const key = image.topLayer ?? '';
    let size = this.sizes.get(key);
    if (size === undefined) {
      size = this.layers.chainSize(image.topLayer);
      this.sizes.set(key, size);
    }
    return size;
  }

  diskUsage(): { layersSize: number } {
    const row = this.store.prepare('SELECT coalesce(sum(size), 0) AS n FROM layers').get() as { n: number };
    return { layersSize: row.n };
  }

  /** Start-up sweep of half-written and unreferenced layers (see Layers.sweep). */
  async restore(): Promise<void> {
    const swept = await this.layers.sweep(new Set(this.heldLayers()));
    if (swept.length > 0) this.log.info(`graph: removed ${swept.length} unreferenced or incomplete layer(s)`);
  }

  private record(row: ImageRow): ImageRecord {
    let config = this.configs.get(row.id);
    if (!config) {
      config = JSON.parse(row.config.toString('utf8')) as ImageConfig;
      this.configs.set(row.id, config);
    }
    const refs = this.tags.references(row.id);
    return {
      id: row.id,
      configBytes: row.config,
      config,
      topLayer: row.top_layer,
      parent: row.parent,
      tags: refs.filter((r) => r.digest === undefined).map(format),
      digests: refs.filter((r) => r.digest !== undefined).map(format),
    };
  }
}

/** Parse and check an image config: JSON object with `rootfs.type` "layers" and sha256 diff_ids. */
export function parseConfig(bytes: Buffer): ImageConfig {
  let c: unknown;
  try {
    c = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new InvalidParameter(`invalid image config: ${(err as Error).message}`);
  }
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new InvalidParameter('invalid image config: not a JSON object');
  const rootfs = (c as { rootfs?: { type?: unknown; diff_ids?: unknown } }).rootfs;
  if (!rootfs || rootfs.type !== 'layers') throw new InvalidParameter('invalid image config: rootfs type must be "layers"');
  const ids = rootfs.diff_ids ?? [];
  if (!Array.isArray(ids) || !ids.every((d) => typeof d === 'string' && /^sha256:[a-f0-9]{64}$/.test(d))) {
    throw new InvalidParameter('invalid image config: bad rootfs diff_ids');
  }
  rootfs.diff_ids = ids;
  return c as ImageConfig;
}
