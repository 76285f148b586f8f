import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { InvalidParameter, NotFound } from '../../engine/errors.js';
import type { ImageConfig, ImageRecord, LayerRecord } from '../types.js';
import { chainIdOf } from './load.js';
import { fullTag, parseTag } from './ref.js';
import type { ArchiveGraph } from './types.js';

/**
 * A whole-in-memory implementation of the graph contract the archive formats use:
 * layer tars kept as bytes, diffIDs computed while they stream in. It lets the
 * format code be tested (and checked against dockerd) without a graphdriver; it is
 * not the daemon's graph.
 */
export class MemoryGraph implements ArchiveGraph {
  readonly layers = new Map<string, LayerRecord & { tar: Buffer }>();
  readonly images = new Map<string, ImageRecord>();
  private readonly tags = new Map<string, string>();

  /** `knowsTarSize: false` hides layerTarSize, so save takes its spooling path. */
  constructor(private readonly opts: { knowsTarSize?: boolean } = {}) {}

  layerTarSize(chainId: string): number | undefined {
    return this.opts.knowsTarSize === false ? undefined : this.layers.get(chainId)?.tar.length;
  }

  hasLayer(chainId: string): boolean {
    return this.layers.has(chainId);
  }

  async createLayer(parent: string | null, tar: Readable, opts: { expectDiffId?: string } = {}): Promise<LayerRecord> {
    if (parent !== null && !this.layers.has(parent)) throw new NotFound(`no such layer: ${parent}`);
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    for await (const c of tar as AsyncIterable<Buffer>) {
      hash.update(c);
      chunks.push(c);
    }
    const diffId = `sha256:${hash.digest('hex')}`;
    if (opts.expectDiffId && opts.expectDiffId !== diffId) {
      throw new InvalidParameter(`layer digest mismatch: expected ${opts.expectDiffId}, got ${diffId}`);
    }
    const chainId = chainIdOf(parent, diffId);
    const existing = this.layers.get(chainId);
    if (existing) return existing;
    const tarBytes = Buffer.concat(chunks);
    const rec = { chainId, diffId, parent, cacheId: chainId.slice(7), size: tarBytes.length, tar: tarBytes };
    this.layers.set(chainId, rec);
    return rec;
  }

  /** Drop `chainId` and its ancestors while no image tops on them and no layer builds on them. */
  async releaseLayer(chainId: string): Promise<void> {
    for (let id: string | null = chainId; id;) {
      const l = this.layers.get(id);
      const used = [...this.images.values()].some((i) => i.topLayer === id) || [...this.layers.values()].some((c) => c.parent === id);
      if (!l || used) return;
      this.layers.delete(id);
      id = l.parent;
    }
  }

  async layerTar(chainId: string): Promise<Readable> {
    const l = this.layers.get(chainId);
    if (!l) throw new NotFound(`no such layer: ${chainId}`);
    return Readable.from([l.tar]);
  }

  createImage(configBytes: Buffer): ImageRecord {
    const id = `sha256:${createHash('sha256').update(configBytes).digest('hex')}`;
    const existing = this.images.get(id);
    if (existing) return existing;
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    let chain: string | null = null;
    for (const d of config.rootfs.diff_ids) {
      chain = chainIdOf(chain, d);
      if (!this.layers.has(chain)) throw new InvalidParameter(`layer ${chain} of image ${id} does not exist`);
    }
    const rec: ImageRecord = { id, configBytes: Buffer.from(configBytes), config, topLayer: chain, parent: null, tags: [], digests: [] };
    this.images.set(id, rec);
    return rec;
  }

  resolve(ref: string): ImageRecord {
    const hex = ref.replace(/^sha256:/, '');
    if (/^[0-9a-f]{1,64}$/.test(hex)) {
      const hits = [...this.images.keys()].filter((id) => id.slice(7).startsWith(hex));
      if (hits.length === 1) return this.withTags(hits[0]!);
    }
    let id: string | undefined;
    try {
      id = this.tags.get(fullTag(parseTag(ref)));
    } catch {
      id = undefined;
    }
    if (!id) throw new NotFound(`No such image: ${ref}`);
    return this.withTags(id);
  }

  tag(imageId: string, ref: string): void {
    if (!this.images.has(imageId)) throw new NotFound(`No such image: ${imageId}`);
    this.tags.set(fullTag(parseTag(ref)), imageId);
  }

  private withTags(id: string): ImageRecord {
    const tags = [...this.tags].filter(([, v]) => v === id).map(([k]) => k);
    return { ...this.images.get(id)!, tags };
  }
}
