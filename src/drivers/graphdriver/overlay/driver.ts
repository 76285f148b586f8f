import { mkdir, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Conflict, InvalidParameter, NotFound, System } from '../../../engine/errors.js';
import { MNT_DETACH, lgetxattr, umount2, umount2Async } from '../../../libcontainer/native.js';
import type { ApplyOptions, Change, GraphDriver } from '../types.js';
import { DiffDir } from '../common/diff-dir.js';
import { checkId, validId } from '../common/ids.js';
import { upperChanges } from '../common/changes.js';
import { dirSize, isMountPoint, mountsUnder } from '../common/fs.js';
import { KeyedLock } from '../common/lock.js';
import { Layout, MAX_DEPTH, shortName } from './layout.js';
import { mountLayer } from './mount.js';

/** The overlay driver; see layout.ts for what it keeps on disk. */
export class OverlayDriver implements GraphDriver {
  readonly name = 'overlay';
  private readonly layout: Layout;
  /** Outstanding `get`s per layer; the mount lives while the count is above zero. */
  private readonly refs = new Map<string, number>();
  private readonly lock = new KeyedLock();
  private readonly files = new DiffDir('overlay', (id) => this.diffOf(id));

  constructor(readonly home: string, private readonly backingFs: string) {
    this.layout = new Layout(home);
  }

  exists(id: string): boolean {
    return validId(id) && existsSync(this.layout.linkFile(id));
  }

  async create(id: string, parent: string | null): Promise<void> {
    checkId(id);
    const l = this.layout;
    if (existsSync(l.dir(id))) throw new Conflict(`layer ${id} already exists`);
    let lower: string[] = [];
    if (parent !== null) {
      if (!this.exists(parent)) throw new NotFound(`parent layer ${parent} does not exist`);
      lower = [`l/${l.shortOf(parent)}`, ...l.lowers(parent)];
      if (lower.length > MAX_DEPTH) throw new InvalidParameter(`max depth exceeded: a layer chain holds at most ${MAX_DEPTH} layers`);
    }
    const short = shortName();
    try {
      await mkdir(l.links(), { recursive: true, mode: 0o700 });
      await mkdir(l.dir(id), { mode: 0o710 });
      await mkdir(l.diff(id), { mode: 0o755 });
      await mkdir(l.work(id), { mode: 0o700 });
      await symlink(`../${id}/diff`, l.link(short));
      if (lower.length > 0) await writeFile(l.lowerFile(id), lower.join(':'));
      // Written last: `exists` is true only for a complete layer.
      await writeFile(l.linkFile(id), short);
    } catch (err) {
      await rm(l.link(short), { force: true });
      await rm(l.dir(id), { recursive: true, force: true });
      throw new System(`error creating layer ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  async remove(id: string): Promise<void> {
    return this.lock.run(id, async (): Promise<void> => {
      const l = this.layout;
      if (!validId(id) || !existsSync(l.dir(id))) throw new NotFound(`layer ${id} does not exist`);
      if ((this.refs.get(id) ?? 0) > 0) throw new Conflict(`layer ${id} is in use (mounted)`);
      // A mount left by a daemon that crashed: nobody holds it any more.
      if (isMountPoint(l.merged(id))) umount2(l.merged(id), MNT_DETACH);
      if (existsSync(l.linkFile(id))) await rm(l.link(l.shortOf(id)), { force: true });
      await rm(l.dir(id), { recursive: true, force: true });
    });
  }

  async get(id: string): Promise<string> {
    return this.lock.run(id, async (): Promise<string> => {
      const l = this.layout;
      if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
      const count = this.refs.get(id) ?? 0;
      // A base layer is its own view: nothing to mount, as in dockerd.
      if (l.lowers(id).length === 0) {
        this.refs.set(id, count + 1);
        return l.diff(id);
      }
      if (count === 0) {
        await mkdir(l.merged(id), { recursive: true, mode: 0o700 });
        if (!isMountPoint(l.merged(id))) await mountLayer(l, id);
      }
      this.refs.set(id, count + 1);
      return l.merged(id);
    });
  }

  async put(id: string): Promise<void> {
    return this.lock.run(id, async (): Promise<void> => {
      const l = this.layout;
      if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
      const count = this.refs.get(id) ?? 0;
      if (count > 1) {
        this.refs.set(id, count - 1);
        return;
      }
      this.refs.delete(id);
      if (l.lowers(id).length === 0 || !isMountPoint(l.merged(id))) return;
      try {
        // Off the event loop: the overlay's last unmount syncs its upper filesystem.
        await umount2Async(l.merged(id), MNT_DETACH);
      } catch (err) {
        throw new System(`error unmounting ${l.merged(id)}: ${(err as Error).message}`, { cause: err });
      }
      // dockerd removes the mount point too; a busy or absent dir is of no concern.
      await rmdir(l.merged(id)).catch(() => undefined);
    });
  }

  applyDiff(id: string, tar: Readable, opts: ApplyOptions = {}): Promise<number> {
    return this.files.apply(id, tar, opts);
  }

  /** The tar applyDiff unpacked, rebuilt from its tar-split record and the layer's files. */
  assemble(id: string, split: Readable): Readable {
    return this.files.assemble(id, split);
  }

  diff(id: string): Promise<Readable> {
    return this.files.pack(id);
  }

  /** The diff directory of an existing layer. */
  private diffOf(id: string): string {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    return this.layout.diff(id);
  }

  async changes(id: string): Promise<Change[]> {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    return upperChanges(this.layout.diff(id), this.layout.lowerDiffs(id), {
      // A 0/0 character device deletes its path; an opaque directory replaces
      // (deletes, then re-adds) the one below, as dockerd reports it.
      deletedPath: async (abs, rel, st) => {
        if (st.isCharacterDevice() && st.rdev === 0n) return rel;
        if (st.isDirectory() && lgetxattr(abs, 'trusted.overlay.opaque')?.toString() === 'y') return rel;
        return null;
      },
    });
  }

  async diffSize(id: string): Promise<number> {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    return dirSize(this.layout.diff(id));
  }

  status(): [string, string][] {
    return [
      ['Backing Filesystem', this.backingFs],
      ['Supports d_type', 'true'],
      ['Native Overlay Diff', 'true'],
      ['userxattr', 'false'],
    ];
  }

  metadata(id: string): Record<string, string> {
    const l = this.layout;
    const data: Record<string, string> = {};
    const lowers = this.exists(id) ? l.lowerDiffs(id) : [];
    if (lowers.length > 0) data.LowerDir = lowers.join(':');
    data.MergedDir = l.merged(id);
    data.UpperDir = l.diff(id);
    data.WorkDir = l.work(id);
    return data;
  }

  async list(): Promise<string[]> {
    if (!existsSync(this.home)) return [];
    return readdirSync(this.home).filter((e) => e !== 'l' && this.exists(e)).sort();
  }

  async cleanup(keep: ReadonlySet<string> = new Set()): Promise<void> {
    const kept = new Set([...keep].map((id) => this.layout.merged(id)));
    // Every mount under <home> is one of ours; deepest first.
    for (const m of mountsUnder(this.home).reverse()) {
      if (kept.has(m)) continue;
      try {
        umount2(m, MNT_DETACH);
      } catch {
        // Already gone (EINVAL) is fine at shutdown.
      }
    }
    this.refs.clear();
  }
}
