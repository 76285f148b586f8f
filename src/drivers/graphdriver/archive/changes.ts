import type { BigIntStats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { isErrno } from '../../../engine/errors.js';
import type { Change } from '../types.js';
import { WHITEOUT_PREFIX } from './apply.js';
import { lgetxattr } from './sys.js';
import { END_OF_ARCHIVE, entry, fileEntry, type LinkMap } from './tar-writer.js';

const MODIFIED = 0;
const ADDED = 1;
const DELETED = 2;

interface Info {
  st: BigIntStats;
  link: string;
}

/** Every path under `root` (relative, no leading slash) with its lstat and link target. */
async function scan(root: string): Promise<Map<string, Info>> {
  const out = new Map<string, Info>();
  async function walk(rel: string): Promise<void> {
    for (const n of await readdir(path.join(root, rel))) {
      const r = rel ? `${rel}/${n}` : n;
      const abs = path.join(root, r);
      const st = await lstat(abs, { bigint: true });
      out.set(r, { st, link: st.isSymbolicLink() ? await readlink(abs) : '' });
      if (st.isDirectory()) await walk(r);
    }
  }
  await walk('');
  return out;
}

/**
 * dockerd's test for "changed": type and mode, owner, device number; for anything
 * but a directory also mtime (to the nanosecond) and size, and the symlink target.
 * A directory's mtime and size change whenever a child does, so they say nothing
 * about the directory itself.
 */
function differs(a: Info, b: Info): boolean {
  if (a.st.mode !== b.st.mode || a.st.uid !== b.st.uid || a.st.gid !== b.st.gid || a.st.rdev !== b.st.rdev) return true;
  if (a.st.isDirectory()) return false;
  return a.st.mtimeNs !== b.st.mtimeNs || a.st.size !== b.st.size || a.link !== b.link;
}

/**
 * The changes of a full-copy layer dir against its parent's full copy (vfs), as
 * `docker diff` lists them: added and modified paths, the topmost of each deleted
 * subtree, and, as dockerd does, every directory with a change below it counted as
 * modified (so its metadata travels with the layer). Sorted by path.
 */
export async function naiveChanges(layerDir: string, parentDir: string | null): Promise<Change[]> {
  const now = await scan(layerDir);
  const before = parentDir === null ? new Map<string, Info>() : await scan(parentDir);
  const changes = new Map<string, Change['Kind']>();
  const touchParents = (rel: string): void => {
    for (let d = path.posix.dirname(rel); d !== '.'; d = path.posix.dirname(d)) {
      if (changes.has(d)) break;
      changes.set(d, MODIFIED);
    }
  };
  for (const [rel, info] of now) {
    const old = before.get(rel);
    if (old === undefined) changes.set(rel, ADDED);
    else if (differs(old, info)) changes.set(rel, MODIFIED);
    else continue;
    touchParents(rel);
  }
  for (const rel of before.keys()) {
    if (now.has(rel)) continue;
    const parent = path.posix.dirname(rel);
    // Only the top of a deleted subtree is listed.
    if (parent !== '.' && !now.has(parent) && before.has(parent)) continue;
    changes.set(rel, DELETED);
    touchParents(rel);
  }
  return sorted(changes);
}

/**
 * The changes recorded in an overlay upper (diff) dir: 0/0 char devices are
 * deletions; an opaque directory that hid a lower one is, as in dockerd, a deletion
 * followed by its contents; anything else is modified when a lower layer has the
 * path (`lowerExists`, given a path with a leading `/`), else added.
 */
export async function overlayChanges(diffDir: string, lowerExists?: (p: string) => boolean): Promise<Change[]> {
  const changes = new Map<string, Change['Kind']>();
  const inLower = (rel: string): boolean => lowerExists?.(`/${rel}`) ?? false;
  async function walk(rel: string): Promise<void> {
    for (const n of await readdir(path.join(diffDir, rel))) {
      const r = rel ? `${rel}/${n}` : n;
      const abs = path.join(diffDir, r);
      const st = await lstat(abs, { bigint: true });
      if (st.isCharacterDevice() && st.rdev === 0n) {
        changes.set(r, DELETED);
        continue;
      }
      if (st.isDirectory()) {
        const opaque = (await lgetxattr(abs, 'trusted.overlay.opaque'))?.toString() === 'y';
        changes.set(r, opaque && inLower(r) ? DELETED : inLower(r) ? MODIFIED : ADDED);
        await walk(r);
        continue;
      }
      changes.set(r, inLower(r) ? MODIFIED : ADDED);
    }
  }
  try {
    await walk('');
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  return sorted(changes);
}

function sorted(changes: Map<string, Change['Kind']>): Change[] {
  return [...changes].map(([rel, Kind]) => ({ Path: `/${rel}`, Kind })).sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

/**
 * The layer tar of `changes`, read from the full-copy `layerDir`: deletions as
 * `.wh.` entries, added and modified paths with the parent directories they need
 * (each once, before its children). Order is by path, so the bytes are stable.
 */
export function packChanges(layerDir: string, changes: Change[]): Readable {
  return Readable.from(packChangesGen(layerDir, changes), { objectMode: false });
}

async function* packChangesGen(layerDir: string, changes: Change[]): AsyncGenerator<Buffer> {
  const links: LinkMap = new Map();
  const written = new Set<string>();
  const list = [...changes].sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
  async function* add(rel: string): AsyncGenerator<Buffer> {
    if (written.has(rel)) return;
    const parent = path.posix.dirname(rel);
    if (parent !== '.') yield* add(parent);
    written.add(rel);
    const abs = path.join(layerDir, rel);
    yield* fileEntry(rel, abs, await lstat(abs, { bigint: true }), links);
  }
  for (const c of list) {
    const rel = c.Path.replace(/^\/+/, '');
    if (rel === '') continue;
    if (c.Kind !== DELETED) {
      yield* add(rel);
      continue;
    }
    const dir = path.posix.dirname(rel);
    if (dir !== '.') yield* add(dir);
    // The whiteout takes its time from the directory, not the clock, so diffs are reproducible.
    const dirStat = await lstat(path.join(layerDir, dir === '.' ? '' : dir), { bigint: true });
    const name = `${dir === '.' ? '' : `${dir}/`}${WHITEOUT_PREFIX}${path.posix.basename(rel)}`;
    yield* entry({ name, typeflag: '0', mode: 0, uid: 0, gid: 0, size: 0, mtime: Number(dirStat.mtimeMs / 1000n) });
  }
  yield END_OF_ARCHIVE;
}
