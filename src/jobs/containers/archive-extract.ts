import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { applyTar } from '../../drivers/graphdriver/archive/apply.js';
import { resolveEntry } from '../../drivers/graphdriver/archive/confine.js';
import { encodeHeaders, padding, type HeaderOut } from '../../drivers/graphdriver/archive/tar-header.js';
import { TarReader, type EntryType, type TarEntry } from '../../drivers/graphdriver/archive/tar-reader.js';
import { END_OF_ARCHIVE } from '../../drivers/graphdriver/archive/tar-writer.js';
import { InvalidParameter, System, isErrno } from '../../engine/errors.js';
import { inContainer } from './archive-path.js';

/*
 * `docker cp` into a container. dockerd unpacks the archive at the destination
 * directory with the container's rootfs as the root (UntarWithRoot): names are
 * relative to the destination and may not climb out of it, but symlinks, the
 * rootfs's own and the archive's, resolve against the rootfs. Here each entry is
 * checked and renamed to its rootfs-relative path, and the renamed archive goes
 * through the layer extractor (apply.ts) rooted at the rootfs, which confines
 * every write to it. `.wh.` names are plain files here, as in dockerd's cp.
 */

export interface ExtractOptions {
  /** The container's merged rootfs on the host. */
  root: string;
  /** The destination directory, relative to the rootfs and already resolved. */
  dest: string;
  noOverwriteDirNonDir: boolean;
  /** Every entry's owner when set (`docker cp -a`); else the archive's. */
  owner?: { uid: number; gid: number };
  signal?: AbortSignal;
}

const TYPEFLAG: Record<EntryType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

export async function extractInto(tar: Readable, opts: ExtractOptions): Promise<void> {
  const renamed = Readable.from(rebase(tar, opts), { objectMode: false });
  await applyTar(opts.root, renamed, { whiteouts: 'aufs', allowDevices: true, ...(opts.signal ? { signal: opts.signal } : {}) });
}

async function* rebase(tar: Readable, opts: ExtractOptions): AsyncGenerator<Buffer> {
  // Not destroyed when we stop early: the caller drains the rest so its error reaches the client.
  const reader = new TarReader(tar.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>, opts.signal ? { signal: opts.signal } : {});
  const dest = inContainer(opts.dest);
  try {
    for (let e = await reader.next(); e !== null; e = await reader.next()) {
      if (e.name.includes('\0')) throw new InvalidParameter(`invalid tar header: path ${JSON.stringify(e.name)} contains NUL`);
      const full = underRoot(dest, e.name);
      if (!within(dest, full)) throw new System(`${JSON.stringify(e.name)} is outside of ${JSON.stringify(dest)}`);
      // The destination's own entry (`./`) is skipped: the directory is there already.
      if (full === dest) continue;
      const h = await header(e, full, opts);
      yield encodeHeaders(h);
      for await (const chunk of reader.body()) yield chunk;
      const pad = padding(e.size);
      if (pad > 0) yield Buffer.alloc(pad);
    }
    yield END_OF_ARCHIVE;
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/**
 * `name` joined to the container directory `dir` the way dockerd's chrooted
 * extraction joins it: `..` stops at the container's root, so a name may wander
 * and come back (`../tmp/x` into `/tmp` is `/tmp/x`).
 */
function underRoot(dir: string, name: string): string {
  return path.posix.normalize(`/${dir}/${name}`).replace(/(.)\/+$/, '$1');
}

/** `p` is `dir` or below it (both absolute and clean). */
function within(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/** The entry renamed to its rootfs path, links checked as dockerd checks them, owner replaced if asked. */
async function header(e: TarEntry, full: string, opts: ExtractOptions): Promise<HeaderOut> {
  const dest = inContainer(opts.dest);
  let linkname = e.linkname;
  if (e.type === 'hardlink') {
    // A hardlink names a file of the same archive: relative to the destination too.
    const target = underRoot(dest, e.linkname);
    if (!within(dest, target)) throw new System(`invalid hardlink ${JSON.stringify(target)} -> ${JSON.stringify(e.linkname)}`);
    linkname = target.slice(1);
  } else if (e.type === 'symlink') {
    // Read from the link's directory, the target must stay under the destination.
    if (!within(dest, underRoot(path.posix.dirname(full), e.linkname))) {
      throw new System(`invalid symlink ${JSON.stringify(full)} -> ${JSON.stringify(e.linkname)}`);
    }
  }
  const target = full.slice(1);
  if (opts.noOverwriteDirNonDir) await checkOverwrite(e, target, opts);
  return {
    name: target,
    typeflag: TYPEFLAG[e.type],
    mode: e.mode,
    uid: opts.owner?.uid ?? e.uid,
    gid: opts.owner?.gid ?? e.gid,
    size: e.size,
    mtime: Math.floor(e.mtime),
    linkname,
    devmajor: e.devmajor,
    devminor: e.devminor,
    xattrs: e.xattrs,
  };
}

/** dockerd's NoOverwriteDirNonDir: a directory and a non-directory never replace each other. */
async function checkOverwrite(e: TarEntry, target: string, opts: ExtractOptions): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await lstat(path.join(opts.root, await resolveEntry(opts.root, target)))).isDirectory();
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
    throw err;
  }
  const dest = JSON.stringify(inContainer(opts.dest));
  if (isDir && e.type !== 'dir') throw new System(`cannot overwrite directory ${JSON.stringify(inContainer(target))} with non-directory ${dest}`);
  if (!isDir && e.type === 'dir') throw new System(`cannot overwrite non-directory ${JSON.stringify(inContainer(target))} with directory ${dest}`);
}
