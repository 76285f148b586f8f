import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import { InvalidParameter, isErrno } from '../../../engine/errors.js';

/*
 * Confinement: every path taken from an archive is resolved as if `root` were the
 * filesystem root (chroot semantics), in user space, one component at a time. A
 * symlink met on the way is followed, an absolute target starts again at `root`,
 * and `..` stops at `root`; so a layer writing `lib/x` through `lib -> /usr/lib`
 * lands in `root/usr/lib/x`, and nothing can name a place outside `root`. The
 * resolved path contains no symlinks left to follow, so the kernel's own lookup
 * when we then open or mkdir it cannot leave `root` either.
 */

/** Symlinks followed in one resolution before giving up, as Linux's ELOOP limit. */
const MAX_SYMLINKS = 40;

/**
 * An archive name made relative and clean, like dockerd: `.`/`..` are folded,
 * then leading slashes are dropped (an absolute name lands inside the root); a
 * name still climbing above the root is refused. The root itself is ''.
 */
export function cleanName(name: string, what = 'path'): string {
  // Cleaning first, as Go's filepath.Clean: `..` right under a leading `/` stays at `/`.
  const clean = path.posix.normalize(name === '' ? '.' : name).replace(/^\/+/, '').replace(/\/+$/, '') || '.';
  if (clean === '..' || clean.startsWith('../')) {
    throw new InvalidParameter(`invalid tar header: ${what} ${JSON.stringify(name)} escapes the destination`);
  }
  if (name.includes('\0')) throw new InvalidParameter(`invalid tar header: ${what} ${JSON.stringify(name)} contains NUL`);
  return clean === '.' ? '' : clean;
}

/**
 * Resolve `rel` (already cleaned) under `root` with chroot semantics and return the
 * resulting path relative to `root` ('' for the root). With `followFinal` false the
 * last component is kept as is even if it is a symlink: callers replace it, never
 * write through it.
 */
export async function resolveInRoot(root: string, rel: string, followFinal: boolean): Promise<string> {
  let resolved: string[] = [];
  let todo = rel.split('/').filter((c) => c !== '' && c !== '.');
  let hops = 0;
  // Once a component is missing nothing below it exists, so no symlink can follow.
  let missing = false;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, c];
    if (missing || (todo.length === 0 && !followFinal)) {
      resolved = candidate;
      continue;
    }
    let isLink = false;
    try {
      isLink = (await lstat(path.join(root, ...candidate))).isSymbolicLink();
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      missing = true;
    }
    if (!isLink) {
      resolved = candidate;
      continue;
    }
    if (++hops > MAX_SYMLINKS) {
      throw new InvalidParameter(`invalid tar header: too many levels of symbolic links resolving ${JSON.stringify(rel)}`);
    }
    const target = await readlink(path.join(root, ...candidate));
    if (target.startsWith('/')) resolved = [];
    todo = [...target.split('/').filter((t) => t !== '' && t !== '.'), ...todo];
  }
  return resolved.join('/');
}

/** Where the entry `rel` goes: its parent resolved (symlinks followed), its own name kept. */
export async function resolveEntry(root: string, rel: string): Promise<string> {
  const slash = rel.lastIndexOf('/');
  if (slash === -1) return rel;
  const parent = await resolveInRoot(root, rel.slice(0, slash), true);
  const base = rel.slice(slash + 1);
  return parent === '' ? base : `${parent}/${base}`;
}
