import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { InvalidParameter, NotFound } from '../engine/errors.js';
import type { Logger } from '../engine/log.js';
import type { Store } from '../engine/store.js';
import type { GraphDriver } from '../drivers/graphdriver/types.js';
import { sha256Stream } from '../libcontainer/native.js';
import type { LayerRecord } from './types.js';

/**
 * Layers: rows in the `layers` table, contents in the graphdriver under a random
 * cache id, and per-layer metadata under `<data-root>/image/layerdb/`:
 *
 *   layerdb/tmp/<cache-id>/             a layer being written (created before the
 *                                       driver dir, so a crash leaves a trace)
 *   layerdb/sha256/<chain-hex>/cache-id the driver id of a finished layer
 *   layerdb/sha256/<chain-hex>/tar-split.gz  how to replay the exact tar applied
 *
 * Order of writes: layerdb/tmp dir, driver dir, content, rename to layerdb/sha256,
 * row. Removal is the reverse: row, driver dir, layerdb dir. So any crash leaves a
 * layerdb dir without a row, and `sweep` removes it with its driver dir; the graph
 * never touches driver ids it did not create (containers keep theirs there too).
 */

interface LayerRow {
  chain_id: string;
  diff_id: string;
  parent: string | null;
  cache_id: string;
  size: number;
}

const toRecord = (r: LayerRow): LayerRecord =>
  ({ chainId: r.chain_id, diffId: r.diff_id, parent: r.parent, cacheId: r.cache_id, size: r.size });

/** chainID per the OCI image spec: diffID for a base layer, else sha256(parent + " " + diffID). */
export function chainIdOf(parent: string | null, diffId: string): string {
  if (parent === null) return diffId;
  return `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`;
}

/** The chainIDs of each prefix of a rootfs's diffIDs. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  let parent: string | null = null;
  for (const d of diffIds) {
    parent = chainIdOf(parent, d);
    out.push(parent);
  }
  return out;
}

/** How long a new layer is kept from release while no image refers to it yet. */
const PIN_GRACE_MS = 10 * 60_000;

const hexOf = (digest: string): string => digest.slice(digest.indexOf(':') + 1);

export class Layers {
  readonly dbDir: string;
  private queue: Promise<unknown> = Promise.resolve();
  /** Layers in use by writes in progress (see create), with a count. */
  private readonly pins = new Map<string, number>();
  private readonly grace = new Map<string, NodeJS.Timeout[]>();

  constructor(
    private readonly store: Store,
    private readonly driver: GraphDriver,
    dataRoot: string,
    private readonly log: Logger,
  ) {
    this.dbDir = join(dataRoot, 'image', 'layerdb');
  }

  /** Run `fn` after every earlier `serial` call has settled (commits of finished layers). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  has(chainId: string): boolean {
    return this.store.prepare('SELECT 1 FROM layers WHERE chain_id = ?').get(chainId) !== undefined;
  }

  find(chainId: string): LayerRecord | undefined {
    const row = this.store.prepare('SELECT * FROM layers WHERE chain_id = ?').get(chainId) as LayerRow | undefined;
    return row && toRecord(row);
  }

  get(chainId: string): LayerRecord {
    const l = this.find(chainId);
    if (!l) throw new NotFound(`layer does not exist: ${chainId}`);
    return l;
  }

  all(): LayerRecord[] {
    return (this.store.prepare('SELECT * FROM layers').all() as LayerRow[]).map(toRecord);
  }

  /** Total bytes of a layer and its ancestors (an image's Size). */
  chainSize(chainId: string | null): number {
    let size = 0;
    for (let l = chainId ? this.find(chainId) : undefined; l; l = l.parent ? this.find(l.parent) : undefined) size += l.size;
    return size;
  }

  /**
   * See Graph.createLayer. Until an image refers to them, the layers of a pull or
   * load in progress are referenced by nothing in the store, so a concurrent rmi or
   * prune could release them: the parent is pinned while a layer is written on it,
   * and a new layer for a while after, until `settle` (an image now holds it).
   */
  async create(parent: string | null, tar: Readable, opts: { expectDiffId?: string } = {}): Promise<LayerRecord> {
    if (parent !== null) this.pin(parent, 1);
    try {
      const layer = await this.write(parent, tar, opts);
      this.pin(layer.chainId, 1);
      const timer = setTimeout(() => this.settle([layer.chainId]), PIN_GRACE_MS);
      timer.unref();
      this.grace.set(layer.chainId, [...(this.grace.get(layer.chainId) ?? []), timer]);
      return layer;
    } finally {
      if (parent !== null) this.pin(parent, -1);
    }
  }

  /** Drop the grace pins of freshly written layers (an image refers to them now, or time ran out). */
  settle(chainIds: readonly string[]): void {
    for (const id of chainIds) {
      for (const timer of this.grace.get(id) ?? []) {
        clearTimeout(timer);
        this.pin(id, -1);
      }
      this.grace.delete(id);
    }
  }

  private pin(chainId: string, delta: number): void {
    const n = (this.pins.get(chainId) ?? 0) + delta;
    if (n > 0) this.pins.set(chainId, n);
    else this.pins.delete(chainId);
  }

  private async write(parent: string | null, tar: Readable, opts: { expectDiffId?: string }): Promise<LayerRecord> {
    const parentLayer = parent === null ? null : this.get(parent);
    if (opts.expectDiffId) {
      const existing = this.find(chainIdOf(parent, opts.expectDiffId));
      if (existing) {
        await drain(tar);
        return existing;
      }
    }
    const cacheId = randomBytes(32).toString('hex');
    const tmp = join(this.dbDir, 'tmp', cacheId);
    await mkdir(tmp, { recursive: true });
    let created = false;
    try {
      await this.driver.create(cacheId, parentLayer?.cacheId ?? null);
      created = true;
      const { diffId, size } = await this.apply(cacheId, tar, tmp);
      if (opts.expectDiffId && opts.expectDiffId !== diffId) {
        throw new InvalidParameter(`layer content does not match its diffID: expected ${opts.expectDiffId}, got ${diffId}`);
      }
      const chainId = chainIdOf(parent, diffId);
      // Two loads of the same layer may finish together: one commits, the other
      // finds its row and throws its own copy away.
      const existing = await this.serial(async () => {
        const found = this.find(chainId);
        if (found) return found;
        await writeFile(join(tmp, 'cache-id'), cacheId);
        const dir = join(this.dbDir, 'sha256', hexOf(chainId));
        await mkdir(join(this.dbDir, 'sha256'), { recursive: true });
        await rm(dir, { recursive: true, force: true });
        await rename(tmp, dir);
        this.store.prepare('INSERT INTO layers (chain_id, diff_id, parent, cache_id, size, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(chainId, diffId, parent, cacheId, size, Date.now());
        return undefined;
      });
      if (existing) {
        await this.discard(cacheId, tmp);
        return existing;
      }
      return { chainId, diffId, parent, cacheId, size };
    } catch (err) {
      tar.destroy();
      if (created) await this.discard(cacheId, tmp).catch((e: Error) => this.log.warn(`cannot clean up layer ${cacheId}: ${e.message}`));
      else await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Apply `tar` into driver layer `cacheId`, hashing every byte (diffID) and recording tar-split. */
  private async apply(cacheId: string, tar: Readable, tmp: string): Promise<{ diffId: string; size: number }> {
    // Hashed on the thread pool: the event loop is what a pull or load waits on.
    const hash = sha256Stream();
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    tar.on('error', (e) => hashing.destroy(e));
    tar.pipe(hashing);
    // The input may have failed before the listener above existed (a download that
    // broke while the layer dir was made): its error must still end the apply.
    if (tar.destroyed && !tar.readableEnded) hashing.destroy((tar.errored as Error | null) ?? new Error('layer stream closed before its end'));
    // The driver gzips the record itself and ends the stream (ApplyOptions.split).
    const splitFile = createWriteStream(join(tmp, 'tar-split.gz'));
    let size: number;
    try {
      size = await this.driver.applyDiff(cacheId, hashing, { split: splitFile });
    } finally {
      if (!splitFile.writableEnded) splitFile.end();
      await finished(splitFile).catch(() => undefined);
    }
    // The extractor may stop at the end-of-archive blocks; the diffID covers the
    // whole stream, trailing padding included, so read what is left.
    hashing.resume();
    await finished(hashing);
    return { diffId: `sha256:${await hash.digest()}`, size };
  }

  private async discard(cacheId: string, dir: string): Promise<void> {
    if (this.driver.exists(cacheId)) await this.driver.remove(cacheId);
    await rm(dir, { recursive: true, force: true });
  }

  /** The layer's tar, replayed from its tar-split record when the driver can, so its diffID holds. */
  async tar(chainId: string): Promise<Readable> {
    const l = this.get(chainId);
    const split = join(this.dbDir, 'sha256', hexOf(chainId), 'tar-split.gz');
    // A driver that ignored `split` leaves an empty record: fall back to diff.
    if (this.driver.assemble && (await stat(split).catch(() => null))?.size) {
      return this.driver.assemble(l.cacheId, createReadStream(split));
    }
    return this.driver.diff(l.cacheId);
  }

  /**
   * Remove `chainId` and then each ancestor, while nothing refers to them (no image's
   * top layer, no child layer, not in `keep`). Returns the chainIDs removed, top first.
   */
  async release(chainId: string | null, keep: ReadonlySet<string> = new Set()): Promise<LayerRecord[]> {
    const removed: LayerRecord[] = [];
    const db = this.store.db;
    for (let id = chainId; id;) {
      const l = this.find(id);
      if (!l || keep.has(id) || this.pins.has(id)) break;
      const used = db.prepare('SELECT 1 FROM images WHERE top_layer = ? UNION ALL SELECT 1 FROM layers WHERE parent = ? LIMIT 1').get(id, id);
      if (used) break;
      db.prepare('DELETE FROM layers WHERE chain_id = ?').run(id);
      await this.removeFiles(l.cacheId, join(this.dbDir, 'sha256', hexOf(id)));
      removed.push(l);
      id = l.parent;
    }
    return removed;
  }

  private async removeFiles(cacheId: string, dbDir: string): Promise<void> {
    try {
      // Not only complete layers: a daemon killed inside the driver's create leaves a
      // directory that `exists` does not count, and only `remove` takes it away.
      await this.driver.remove(cacheId).catch((err: unknown) => { if (!(err instanceof NotFound)) throw err; });
      await rm(dbDir, { recursive: true, force: true });
    } catch (err) {
      // The row is gone; the layerdb dir stays, so the next start-up sweep retries.
      this.log.warn(`cannot remove layer ${cacheId}: ${(err as Error).message}`);
    }
  }

  /**
   * Start-up sweep: layers being written when the daemon died (layerdb/tmp), layerdb
   * dirs whose row is missing (crash between rename and insert, or mid-removal), and
   * layers no image (nor `keep`) refers to, children before parents.
   */
  async sweep(keep: ReadonlySet<string>): Promise<string[]> {
    const swept: string[] = [];
    for (const cacheId of await list(join(this.dbDir, 'tmp'))) {
      await this.removeFiles(cacheId, join(this.dbDir, 'tmp', cacheId));
      swept.push(cacheId);
    }
    for (const hex of await list(join(this.dbDir, 'sha256'))) {
      if (this.has(`sha256:${hex}`)) continue;
      const dir = join(this.dbDir, 'sha256', hex);
      const cacheId = (await readFile(join(dir, 'cache-id'), 'utf8').catch(() => '')).trim();
      if (/^[a-f0-9]{64}$/.test(cacheId)) await this.removeFiles(cacheId, dir);
      else await rm(dir, { recursive: true, force: true });
      swept.push(cacheId || hex);
    }
    const referenced = new Set<string>(keep);
    const tops = this.store.prepare('SELECT top_layer FROM images WHERE top_layer IS NOT NULL').all() as { top_layer: string }[];
    for (const { top_layer } of tops) {
      for (let l = this.find(top_layer); l && !referenced.has(l.chainId); l = l.parent ? this.find(l.parent) : undefined) referenced.add(l.chainId);
    }
    // Leaves first: a layer is removable once no remaining layer names it as parent.
    const orphans = this.all().filter((l) => !referenced.has(l.chainId));
    const parents = new Set(this.all().map((l) => l.parent));
    for (const leaf of orphans.filter((l) => !parents.has(l.chainId))) {
      for (const r of await this.release(leaf.chainId, referenced)) swept.push(r.cacheId);
    }
    return swept;
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function drain(s: Readable): Promise<void> {
  s.resume();
  await finished(s);
}
