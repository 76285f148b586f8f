/**
 * `changes` for drivers that keep each layer's own files apart (overlay's diff dir,
 * aufs's diff dir): walk that dir and classify each entry against the layers below,
 * the way dockerd does for `docker diff`:
 *   - a whiteout (what `deletedPath` recognises) is a deletion of the path it names;
 *   - an entry that exists in no lower layer is an addition, else a modification,
 *     except a directory whose size, mode and mtime are unchanged (it is only there
 *     because something below it changed);
 *   - every directory above a change is reported modified once, before it.
 */
import { lstat, readdir } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { Change } from '../types.js';

export interface ChangeRules {
  /** The path (e.g. `/a/b`) that this entry deletes, or null if it is not a whiteout. */
  deletedPath(abs: string, rel: string, st: BigIntStats): Promise<string | null>;
  /** Entries that are the driver's bookkeeping, not layer content (aufs `.wh..wh.*`). */
  skip?(name: string): boolean;
}

async function lstatOrNull(p: string): Promise<BigIntStats | null> {
  try {
    return await lstat(p, { bigint: true });
  } catch {
    return null;
  }
}

function sameDir(a: BigIntStats, b: BigIntStats): boolean {
  return a.size === b.size && a.mode === b.mode && a.mtimeNs === b.mtimeNs;
}

/** Changes of the layer whose own files are `upper`, over `lowers` (nearest first). */
export async function upperChanges(upper: string, lowers: string[], rules: ChangeRules): Promise<Change[]> {
  const changes: Change[] = [];
  const changedDirs = new Set<string>();

  const visit = async (rel: string): Promise<void> => {
    const names = (await readdir(join(upper, rel))).sort();
    for (const name of names) {
      if (rules.skip?.(name)) continue;
      const path = `${rel}/${name}`;
      const abs = join(upper, path);
      const st = await lstat(abs, { bigint: true });
      const deleted = await rules.deletedPath(abs, path, st);
      let kind: Change['Kind'] | null;
      if (deleted !== null) {
        kind = 2;
      } else {
        kind = 1;
        for (const lower of lowers) {
          const below = await lstatOrNull(join(lower, path));
          if (!below) continue;
          kind = below.isDirectory() && st.isDirectory() && sameDir(st, below) ? null : 0;
          break;
        }
      }
      if (kind !== null && st.isDirectory()) changedDirs.add(path);
      if (kind !== null) {
        // Every directory above a change shows as modified, before it: dockerd
        // 20.10 answers `docker diff` from its full-tree comparison (ChangesDirs),
        // which adds each directory holding a change, so `echo >> /etc/passwd`
        // shows `C /etc` there although /etc's own stat is unchanged.
        const missing: string[] = [];
        for (let dir = rel; dir !== '' && !changedDirs.has(dir); dir = dir.slice(0, dir.lastIndexOf('/'))) missing.push(dir);
        for (const dir of missing.reverse()) {
          changes.push({ Path: dir, Kind: 0 });
          changedDirs.add(dir);
        }
        changes.push({ Path: deleted ?? path, Kind: kind });
      }
      if (st.isDirectory()) await visit(path);
    }
  };
  await visit('');
  return changes;
}
