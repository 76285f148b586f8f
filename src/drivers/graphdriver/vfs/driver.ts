/**
 * The vfs driver: every layer is a full copy of its parent, then changed in place.
 * Slow and large, but it needs nothing from the kernel, so it works everywhere.
 *
 *   <home>/                 <data-root>/vfs
 *     dir/<id>/             the layer's complete tree (dockerd's layout)
 *     parent/<id>           the parent's id (absent for a base layer); `changes` and
 *                           `diff` compare the two full trees
 *
 * Nothing is mounted: `get` returns the directory and `put` only counts.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Conflict, NotFound, System } from '../../../engine/errors.js';
import type { ApplyOptions, Change, GraphDriver } from '../types.js';
import { applyTar, assembleTar, naiveChanges, packChanges } from '../common/archive.js';
import { checkId, validId } from '../common/ids.js';

const run = promisify(execFile);

export class VfsDriver implements GraphDriver {
  readonly name = 'vfs';
  private readonly refs = new Map<string, number>();

  constructor(readonly home: string) {}

  private dir(id: string): string { return join(this.home, 'dir', id); }
  private parentFile(id: string): string { return join(this.home, 'parent', id); }

  private parentOf(id: string): string | null {
    const f = this.parentFile(id);
    return existsSync(f) ? readFileSync(f, 'utf8').trim() : null;
  }

  exists(id: string): boolean {
    return validId(id) && existsSync(this.dir(id));
  }

  async create(id: string, parent: string | null): Promise<void> {
    checkId(id);
    if (this.exists(id)) throw new Conflict(`layer ${id} already exists`);
    if (parent !== null && !this.exists(parent)) throw new NotFound(`parent layer ${parent} does not exist`);
    // Built under a temporary name and renamed, so a crash never leaves a half copy
    // that `exists` would report.
    const tmp = join(this.home, 'dir', `.tmp-${id}`);
    try {
      await mkdir(join(this.home, 'parent'), { recursive: true, mode: 0o700 });
      await rm(tmp, { recursive: true, force: true });
      if (parent === null) {
        await mkdir(tmp, { mode: 0o755 });
      } else {
        // cp -a keeps owners, modes, times, xattrs and hardlinks; reflinks where the
        // filesystem has them make the copy cheap.
        await run('cp', ['-a', '--reflink=auto', '--', this.dir(parent), tmp]);
        await writeFile(this.parentFile(id), parent);
      }
      await rename(tmp, this.dir(id));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      await rm(this.parentFile(id), { force: true });
      throw new System(`error creating layer ${id}: ${(err as Error).message}`, { cause: err });
    }
  }

  async remove(id: string): Promise<void> {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    if ((this.refs.get(id) ?? 0) > 0) throw new Conflict(`layer ${id} is in use (mounted)`);
    await rm(this.dir(id), { recursive: true, force: true });
    await rm(this.parentFile(id), { force: true });
  }

  async get(id: string): Promise<string> {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    this.refs.set(id, (this.refs.get(id) ?? 0) + 1);
    return this.dir(id);
  }

  async put(id: string): Promise<void> {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    const count = this.refs.get(id) ?? 0;
    if (count > 1) this.refs.set(id, count - 1);
    else this.refs.delete(id);
  }

  async applyDiff(id: string, tar: Readable, opts: ApplyOptions = {}): Promise<number> {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    // The dir is a full copy of the parent, so whiteouts delete for real.
    return applyTar(this.dir(id), tar, { whiteouts: 'delete', allowDevices: opts.allowDevices ?? true, ...(opts.split ? { split: opts.split } : {}) });
  }
  /** The tar applyDiff unpacked, rebuilt from its tar-split record and the layer's files. */
  assemble(id: string, split: Readable): Readable {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    return assembleTar(this.dir(id), split);
  }


  async changes(id: string): Promise<Change[]> {
    if (!this.exists(id)) throw new NotFound(`layer ${id} does not exist`);
    const parent = this.parentOf(id);
    return naiveChanges(this.dir(id), parent === null ? null : this.dir(parent));
  }

  async diff(id: string): Promise<Readable> {
    const changes = await this.changes(id);
    return packChanges(this.dir(id), changes);
  }

  /** What the layer's tar would add: the sizes of its added and modified non-directories. */
  async diffSize(id: string): Promise<number> {
    let total = 0;
    for (const c of await this.changes(id)) {
      if (c.Kind === 2) continue;
      const st = await lstat(join(this.dir(id), c.Path));
      if (!st.isDirectory()) total += st.size;
    }
    return total;
  }

  status(): [string, string][] {
    return [];
  }

  metadata(_id: string): Record<string, string> {
    return {};
  }

  async list(): Promise<string[]> {
    const d = join(this.home, 'dir');
    if (!existsSync(d)) return [];
    return readdirSync(d).filter((e) => !e.startsWith('.tmp-')).sort();
  }

  async cleanup(): Promise<void> {
    this.refs.clear();
  }
}
