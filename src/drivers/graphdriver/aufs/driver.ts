import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Conflict, NotFound, System } from '../../../engine/errors.js';
import { MNT_DETACH, umount2 } from '../../../libcontainer/native.js';
import type { ApplyOptions, Change, GraphDriver } from '../types.js';
import { DiffDir } from '../common/diff-dir.js';
import { checkId, validId } from '../common/ids.js';
import { upperChanges } from '../common/changes.js';
import { dirSize, isMountPoint, mountsUnder } from '../common/fs.js';
import { KeyedLock } from '../common/lock.js';
import { Layout } from './layout.js';
import { mountLayer } from './mount.js';

const WH = '.wh.';
const WH_META = '.wh..wh.';

/** The aufs driver; see layout.ts. Used only where the kernel has aufs. */
export class AufsDriver implements GraphDriver {
  readonly name = 'aufs';
  private readonly layout: Layout;
  private readonly refs = new Map<string, number>();
  private readonly files = new DiffDir('aufs', (id) => this.diffOf(id));
  private readonly lock = new KeyedLock();

  constructor(readonly home: string, private readonly backingFs: string) {
    this.layout = new Layout(home);
  }

  exists(id: string): boolean {
    return validId(id) && existsSync(this.layout.diff(id));
  }

  async create(id: string, parent: string | null): Promise<void> {
    checkId(id);
    const l = this.layout;
    if (this.exists(id)) throw new Conflict(`layer ${id} already exists`);
    if (parent !== null && !this.exists(parent)) throw new NotFound(`parent layer ${parent} does not exist`);
    const ancestors = parent === null ? [] : [parent, ...l.ancestors(parent)];
    try {
      await mkdir(l.mnt(id), { recursive: true, mode: 0o755 });
      await writeFile(l.layersFile(id), ancestors.map((a) => `${a}\n`).join(''));
      // Last: `exists` looks at diff/<id>.
      await mkdir(l.diff(id), { mode: 0o755 });
    } catch (err) {
      await this.removeFiles(id);
      throw new System(`error creating layer ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async removeFiles(id: string): Promise<void> {
    const l = this.layout;
    await rm(l.diff(id), { recursive: true, force: true });
    await rm(l.layersFile(id), { force: true });
    await rm(l.mnt(id), { recursive: true, force: true });
  }

  async remove(id: string): Promise<void> {
    return this.lock.run(id, async (): Promise<void> => {
      if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
      if ((this.refs.get(id) ?? 0) > 0) throw new Conflict(`layer ${id} is in use (mounted)`);
      if (isMountPoint(this.layout.mnt(id))) umount2(this.layout.mnt(id), MNT_DETACH);
      await this.removeFiles(id);
    });
  }

  async get(id: string): Promise<string> {
    return this.lock.run(id, async (): Promise<string> => {
      const l = this.layout;
      if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
      const count = this.refs.get(id) ?? 0;
      if (count === 0 && !isMountPoint(l.mnt(id))) {
        await mkdir(l.mnt(id), { recursive: true, mode: 0o755 });
        mountLayer(l, id);
      }
      this.refs.set(id, count + 1);
      return l.mnt(id);
    });
  }

  async put(id: string): Promise<void> {
    return this.lock.run(id, async (): Promise<void> => {
      if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
      const count = this.refs.get(id) ?? 0;
      if (count > 1) {
        this.refs.set(id, count - 1);
        return;
      }
      this.refs.delete(id);
      const mnt = this.layout.mnt(id);
      if (!isMountPoint(mnt)) return;
      try {
        umount2(mnt, MNT_DETACH);
      } catch (err) {
        throw new System(`error unmounting ${mnt}: ${(err as Error).message}`, { cause: err });
      }
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
    const lowers = this.layout.ancestors(id).map((a) => this.layout.diff(a));
    return upperChanges(this.layout.diff(id), lowers, {
      deletedPath: async (_abs, rel) => {
        const slash = rel.lastIndexOf('/');
        const name = rel.slice(slash + 1);
        return name.startsWith(WH) ? `${rel.slice(0, slash)}/${name.slice(WH.length)}` : null;
      },
      // aufs's own bookkeeping (.wh..wh.plnk, .wh..wh.aufs, the opaque marker).
      skip: (name) => name.startsWith(WH_META),
    });
  }

  async diffSize(id: string): Promise<number> {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    return dirSize(this.layout.diff(id));
  }

  status(): [string, string][] {
    const dirs = existsSync(join(this.home, 'diff')) ? readdirSync(join(this.home, 'diff')).length : 0;
    return [['Root Dir', this.home], ['Backing Filesystem', this.backingFs], ['Dirs', String(dirs)], ['Dirperm1 Supported', 'true']];
  }

  metadata(_id: string): Record<string, string> {
    return {};
  }

  async list(): Promise<string[]> {
    const d = join(this.home, 'diff');
    return existsSync(d) ? readdirSync(d).sort() : [];
  }

  async cleanup(keep: ReadonlySet<string> = new Set()): Promise<void> {
    const kept = new Set([...keep].map((id) => join(this.home, 'mnt', id)));
    for (const m of mountsUnder(join(this.home, 'mnt')).reverse()) {
      if (kept.has(m)) continue;
      try {
        umount2(m, MNT_DETACH);
      } catch {
        // Already gone.
      }
    }
    this.refs.clear();
  }
}
