import path from 'node:path';
import { resolveInRoot } from '../../drivers/graphdriver/archive/confine.js';

/*
 * Paths of `docker cp` inside a container's root filesystem, resolved as dockerd's
 * ResolvePath and GetResourcePath do: the user's path is absolute in the container,
 * every symlink met is followed with chroot semantics (confine.ts: an absolute
 * target restarts at the rootfs, `..` stops at it), so no path a request or a
 * container's own symlinks can spell reaches outside the rootfs.
 */

/**
 * dockerd's PreserveTrailingDotOrSeparator over a cleaned absolute path: `/tmp/`
 * keeps its slash (the final component is followed) and `/tmp/.` its dot (the
 * directory's contents, not the directory).
 */
export function absolutePath(p: string): string {
  let clean = path.posix.normalize(`/${p}`);
  if (clean.length > 1) clean = clean.replace(/\/+$/, '');
  if (path.posix.basename(clean) !== '.' && currentDir(p)) clean += clean.endsWith('/') ? '.' : '/.';
  if (!clean.endsWith('/') && p.endsWith('/')) clean += '/';
  return clean;
}

/** Go's filepath.Base(p) == "." (trailing slashes stripped first). */
function currentDir(p: string): boolean {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed === '.' || trimmed.endsWith('/.');
}

/** Go's filepath.Base: trailing slashes dropped, `/` for the root. */
export function goBase(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return p === '' ? '.' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Where a requested path lands in the rootfs; `rel` is relative to the rootfs ('' for it). */
export interface ResolvedPath {
  /** The user's path made absolute, trailing `/` or `/.` kept. */
  abs: string;
  /** The directory part with every symlink followed, relative to the rootfs. */
  dir: string;
  /** The final component as given: a name, '' after a trailing slash, or '.'. */
  base: string;
  /** `dir` joined with `base` (a final symlink not followed). */
  rel: string;
}

/**
 * For stat and archive (dockerd's ResolvePath): the directory part is resolved in
 * the rootfs, the final component is kept as is, so `/bin/sh` names the symlink
 * while `/bin/sh/` or `/etc/.` go through it.
 */
export async function resolvePath(root: string, userPath: string): Promise<ResolvedPath> {
  const abs = absolutePath(userPath);
  const slash = abs.lastIndexOf('/');
  const dirPart = abs.slice(0, slash + 1);
  const base = abs.slice(slash + 1);
  const dir = await resolveInRoot(root, dirPart.replace(/^\/+/, ''), true);
  const rel = base === '' || base === '.' ? dir : joinRel(dir, base);
  return { abs, dir, base, rel };
}

/**
 * For extraction (dockerd's GetResourcePath on the whole path): the final
 * component is followed too, so a symlink to a directory is a valid destination.
 */
export async function resolveFollow(root: string, userPath: string): Promise<string> {
  return resolveInRoot(root, absolutePath(userPath).replace(/^\/+/, ''), true);
}

export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** The rootfs-relative path as the container sees it. */
export function inContainer(rel: string): string {
  return `/${rel}`;
}
