import { constants } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BerthError, InvalidParameter, System, isErrno } from '../../../engine/errors.js';
import { AUFS_LINK_DIR, AufsLinks } from './aufs-links.js';
import { cleanName, resolveEntry, resolveInRoot } from './confine.js';
import { SplitWriter } from './split.js';
import { S_IFBLK, S_IFCHR, S_IFIFO, lsetxattr, mknod } from './sys.js';
import { TarReader, type TarEntry } from './tar-reader.js';
import { writeBatched } from './write-batched.js';

export type WhiteoutMode = 'overlay' | 'aufs' | 'delete';

export interface ApplyTarOptions {
  /**
   * How `.wh.<name>` and `.wh..wh..opq` entries land: `overlay` as overlayfs
   * whiteouts (0/0 char device, `trusted.overlay.opaque=y`), `aufs` as the files
   * themselves, `delete` by removing what they hide (for full-copy layer dirs).
   */
  whiteouts: WhiteoutMode;
  /** Char/block devices and fifos are refused unless allowed. */
  allowDevices?: boolean;
  /** Receives the tar-split record of the input (see split.ts). */
  split?: Writable;
  signal?: AbortSignal;
}

export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_OPAQUE = '.wh..wh..opq';
/** aufs keeps its own metadata under names with this prefix at the layer root. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';

/** Xattrs never taken from an archive: labels are the host's business; overlay's own are ours. */
function skipXattr(name: string): boolean {
  return name === 'security.selinux' || name.startsWith('trusted.overlay.');
}

interface ApplyState {
  root: string;
  opts: ApplyTarOptions;
  split: SplitWriter | null;
  reader: TarReader;
  /** Paths (relative, resolved) this archive created; `delete`-mode opaque dirs keep only these. */
  created: Set<string>;
  /**
   * Parent directories already resolved, and real directories known to exist. Only
   * removing something or creating a symlink can change how a path resolves, so
   * both are dropped then (`forget`).
   */
  resolved: Map<string, string>;
  dirs: Set<string>;
  aufsLinks: AufsLinks;
  /** Directory times are set last: writing children changes a directory's mtime. */
  dirTimes: { abs: string; atime: number; mtime: number }[];
  size: number;
}

/**
 * Unpack a layer tar into the existing directory `root`, confined to it (see
 * confine.ts). Resolves to the bytes of file content and symlink targets written.
 */
export async function applyTar(root: string, tar: Readable, opts: ApplyTarOptions): Promise<number> {
  const split = opts.split ? new SplitWriter(opts.split) : null;
  const reader = new TarReader(tar, { ...(split ? { onRaw: (c: Buffer) => split.addRaw(c) } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  const st: ApplyState = { root, opts, split, reader, created: new Set(), resolved: new Map(), dirs: new Set(), aufsLinks: new AufsLinks(), dirTimes: [], size: 0 };
  // Destroying the input wakes a read that is waiting on it.
  const onAbort = (): void => {
    tar.destroy(opts.signal?.reason instanceof Error ? opts.signal.reason : undefined);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    opts.signal?.throwIfAborted();
    for (let e = await reader.next(); e !== null; e = await reader.next()) {
      opts.signal?.throwIfAborted();
      await applyOne(st, e);
      await split?.settle();
    }
    for (const d of st.dirTimes.reverse()) {
      // A later entry or whiteout of the same tar may have removed the directory.
      await lutimes(d.abs, d.atime, d.mtime).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
      });
    }
    await split?.end();
    return st.size;
  } catch (err) {
    split?.abort(err);
    await reader.close().catch(() => {});
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await st.aufsLinks.cleanup();
  }
}

async function applyOne(st: ApplyState, e: TarEntry): Promise<void> {
  try {
    const rel = cleanName(e.name);
    const base = path.posix.basename(rel);
    if (st.opts.whiteouts !== 'aufs') {
      // aufs's hardlink and metadata dirs at the root mean nothing outside aufs, as in dockerd.
      if (rel.startsWith(WHITEOUT_META_PREFIX) && rel !== WHITEOUT_OPAQUE) {
        if (rel.startsWith(`${AUFS_LINK_DIR}/`) && e.type === 'file') {
          // Its bytes stay in the tar-split record as raw data: nothing in the root holds them.
          st.size += await st.aufsLinks.stash(e, rel, st.reader.body(), (b) => st.split?.addRaw(b));
        }
        return;
      }
      if (base.startsWith(WHITEOUT_PREFIX)) {
        await whiteout(st, e, rel, base);
        return;
      }
    }
    if (rel === '') {
      if (e.type !== 'dir') throw new InvalidParameter(`invalid tar header: "${e.name}" is the destination root but not a directory`);
      await metadata(st, e, st.root);
      return;
    }
    await create(st, e, rel, await resolveParent(st, rel));
  } catch (err) {
    if (err instanceof BerthError || (err as Error).name === 'AbortError') throw err;
    throw new System(`failed to extract ${JSON.stringify(e.name)}: ${(err as Error).message}`, { cause: err });
  }
}

async function create(st: ApplyState, e: TarEntry, rel: string, target: string): Promise<void> {
  const abs = path.join(st.root, target);
  await makeParents(st, target);
  const existing = await lstatOrNull(abs);
  // Anything in the way is replaced, except a directory by a directory.
  if (existing && !(existing.isDirectory() && e.type === 'dir')) await remove(st, target);
  switch (e.type) {
    case 'dir':
      if (!existing?.isDirectory()) await mkdir(abs, { mode: 0o700 });
      st.dirs.add(target);
      break;
    case 'file':
      await writeFile(st, e, abs);
      st.split?.addFile(target, e.size);
      break;
    case 'symlink':
      // A link's target is not checked: every later path is resolved with chroot
      // semantics (resolveParent), so even `../../..` stays inside, as in dockerd's chrooted
      // extraction, which accepts such links (containers make them; commit must keep them).
      forget(st);
      await symlink(e.linkname, abs);
      // A layer's size is what dockerd's directory.Size counts: a symlink's lstat size too.
      st.size += Buffer.byteLength(e.linkname);
      break;
    case 'hardlink': {
      const linkTarget = cleanName(e.linkname, 'hardlink target');
      const stashed = st.opts.whiteouts === 'aufs' ? undefined : st.aufsLinks.lookup(linkTarget);
      if (stashed) {
        await st.aufsLinks.copyTo(stashed.file, abs);
        st.created.add(target);
        await metadata(st, stashed.entry, abs);
        return;
      }
      const from = await resolveEntry(st.root, linkTarget);
      const fromStat = await lstatOrNull(path.join(st.root, from));
      if (!fromStat || fromStat.isDirectory()) {
        throw new InvalidParameter(`invalid tar header: hardlink ${JSON.stringify(e.name)} -> ${JSON.stringify(e.linkname)}: no such file in the layer`);
      }
      await link(path.join(st.root, from), abs);
      st.created.add(target);
      return; // a hardlink shares its target's inode: its header's metadata is not applied
    }
    case 'char':
    case 'block':
    case 'fifo': {
      if (!st.opts.allowDevices) {
        throw new InvalidParameter(`invalid tar header: device node ${JSON.stringify(e.name)} is not allowed here`);
      }
      const kind = e.type === 'char' ? S_IFCHR : e.type === 'block' ? S_IFBLK : S_IFIFO;
      await mknod(abs, kind | 0o600, e.devmajor, e.devminor);
      break;
    }
  }
  st.created.add(target);
  await metadata(st, e, abs);
}

/** Stream the entry's data into a new file; O_EXCL|O_NOFOLLOW: never write through a link. */
async function writeFile(st: ApplyState, e: TarEntry, abs: string): Promise<void> {
  const fh = await open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    st.size += await writeBatched(fh, st.reader.body(), () => st.opts.signal?.throwIfAborted());
  } finally {
    await fh.close();
  }
}

/** Where the entry `rel` goes: its parent resolved with chroot semantics (cached), its own name kept. */
async function resolveParent(st: ApplyState, rel: string): Promise<string> {
  const slash = rel.lastIndexOf('/');
  if (slash === -1) return rel;
  const dir = rel.slice(0, slash);
  let parent = st.resolved.get(dir);
  if (parent === undefined) {
    parent = await resolveInRoot(st.root, dir, true);
    st.resolved.set(dir, parent);
  }
  return parent === '' ? rel.slice(slash + 1) : `${parent}/${rel.slice(slash + 1)}`;
}

function forget(st: ApplyState): void {
  st.resolved.clear();
  st.dirs.clear();
}

/** Remove `rel` (relative to the root, already resolved) and all under it. */
async function remove(st: ApplyState, rel: string): Promise<void> {
  forget(st);
  st.split?.rewritten(rel);
  await rm(path.join(st.root, rel), { recursive: true, force: true });
}

/** mkdir -p the parent of `target`, recording the directories that this creates. */
async function makeParents(st: ApplyState, target: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = path.posix.dirname(target); dir !== '.' && dir !== ''; dir = path.posix.dirname(dir)) {
    if (st.dirs.has(dir)) break;
    const s = await lstatOrNull(path.join(st.root, dir));
    if (s?.isDirectory()) st.dirs.add(dir);
    if (s) break; // not a directory: the create below fails with ENOTDIR
    missing.unshift(dir);
  }
  for (const dir of missing) {
    await mkdir(path.join(st.root, dir), { mode: 0o755 });
    await chmod(path.join(st.root, dir), 0o755);
    st.created.add(dir);
    st.dirs.add(dir);
  }
}

/** Owner, then mode (chown clears setuid bits), xattrs, then times (deferred for dirs). */
async function metadata(st: ApplyState, e: TarEntry, abs: string): Promise<void> {
  await lchown(abs, e.uid, e.gid);
  if (e.type !== 'symlink') await chmod(abs, e.mode & 0o7777);
  for (const [name, value] of e.xattrs) if (!skipXattr(name)) await lsetxattr(abs, name, value);
  const atime = e.atime !== undefined && e.atime > e.mtime ? e.atime : e.mtime;
  if (e.type === 'dir') st.dirTimes.push({ abs, atime, mtime: e.mtime });
  else await lutimes(abs, atime, e.mtime);
}

async function whiteout(st: ApplyState, e: TarEntry, rel: string, base: string): Promise<void> {
  const dir = await resolveInRoot(st.root, path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel), true);
  const dirAbs = path.join(st.root, dir);
  if (base === WHITEOUT_OPAQUE) {
    if (st.opts.whiteouts === 'overlay') {
      if (dir !== '') await makeParents(st, `${dir}/${WHITEOUT_OPAQUE}`);
      await lsetxattr(dirAbs, 'trusted.overlay.opaque', Buffer.from('y'));
    } else {
      await removeNotCreated(st, dir);
    }
    return;
  }
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') {
    throw new InvalidParameter(`invalid tar header: bad whiteout ${JSON.stringify(e.name)}`);
  }
  const target = dir === '' ? name : `${dir}/${name}`;
  const abs = path.join(st.root, target);
  await remove(st, target);
  if (st.opts.whiteouts === 'overlay') {
    await makeParents(st, target);
    await mknod(abs, S_IFCHR, 0, 0); // mode 0, as dockerd makes them
    await lchown(abs, e.uid, e.gid);
    st.created.add(target);
  }
}

/** Opaque directory in `delete` mode: drop what was there before this archive. */
async function removeNotCreated(st: ApplyState, dir: string): Promise<void> {
  const abs = path.join(st.root, dir);
  let names: string[];
  try {
    names = await readdir(abs);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  for (const n of names) {
    const rel = dir === '' ? n : `${dir}/${n}`;
    if (!st.created.has(rel)) {
      await remove(st, rel);
      continue;
    }
    const s = await lstat(path.join(st.root, rel));
    if (s.isDirectory()) await removeNotCreated(st, rel);
  }
}

async function lstatOrNull(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
}
