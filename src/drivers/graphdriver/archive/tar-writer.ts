import { constants, type BigIntStats } from 'node:fs';
import { open, readlink } from 'node:fs/promises';
import { System } from '../../../engine/errors.js';
import { lgetxattr, llistxattr } from './sys.js';
import { BLOCK, encodeHeaders, padding, type HeaderOut } from './tar-header.js';

/*
 * Layer tars from files on disk. Headers are encoded by tar-header.ts rather than
 * tar-stream's pack, which turns mode 0 into 0644 and can only write text PAX
 * values (xattrs are binary). Everything is an async generator of Buffers, so the
 * consumer's pace drives the reads (Readable.from keeps the backpressure).
 */

/** Xattrs not carried in layer tars: overlay's own are whiteouts, labels are per host. */
export function keepXattr(name: string): boolean {
  return !name.startsWith('trusted.overlay.') && name !== 'security.selinux';
}

export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** One entry: its header blocks, then `content`'s first `size` bytes, padded. */
export async function* entry(h: HeaderOut, content?: string): AsyncGenerator<Buffer> {
  yield encodeHeaders(h);
  if (h.size === 0 || content === undefined) return;
  // O_NOFOLLOW and the type check: a running container may swap the file for a
  // symlink between our lstat and this open, which must not read the host's file.
  const fh = await open(content, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!(await fh.stat()).isFile()) throw new System(`${content}: no longer a regular file`);
    let done = 0;
    while (done < h.size) {
      const buf = Buffer.allocUnsafe(Math.min(h.size - done, 1 << 20));
      const { bytesRead } = await fh.read(buf, 0, buf.length, done);
      if (bytesRead === 0) throw new System(`${content}: file shrank while it was being archived`);
      done += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
  const pad = padding(h.size);
  if (pad > 0) yield Buffer.alloc(pad);
}

/** Names for owner ids, for the uname and gname of entries (cp and export have them). */
export interface OwnerNames {
  user(uid: number): string;
  group(gid: number): string;
}

/** Names given to inodes with several links: later names become hardlink entries. */
export type LinkMap = Map<string, string>;

/**
 * The entry for the file `abs` (already lstat'ed) under the archive name `name`
 * (no leading `/`; directories get their trailing `/` here). Sockets yield nothing.
 */
export async function* fileEntry(name: string, abs: string, st: BigIntStats, links: LinkMap, owners?: OwnerNames): AsyncGenerator<Buffer> {
  // The mode keeps the file type bits (0o100644, 0o40755, ...), as dockerd's
  // FileInfoHeader fills them in (fillGo18FileTypeBits): clients reading the tar see them.
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const names = owners ? { uname: owners.user(uid), gname: owners.group(gid) } : {};
  const base = { name, mode: Number(st.mode & 0o777777n), uid, gid, ...names, size: 0, mtime: Number(st.mtimeMs / 1000n) };
  if (!st.isDirectory() && st.nlink > 1n) {
    const key = `${st.dev}:${st.ino}`;
    const first = links.get(key);
    if (first !== undefined) {
      yield* entry({ ...base, typeflag: '1', linkname: first });
      return;
    }
    links.set(key, name);
  }
  const xattrs = st.isSymbolicLink() ? new Map<string, Buffer>() : await readXattrs(abs);
  if (st.isDirectory()) yield* entry({ ...base, name: `${name}/`, typeflag: '5', xattrs });
  else if (st.isSymbolicLink()) yield* entry({ ...base, typeflag: '2', linkname: await readlink(abs), xattrs });
  else if (st.isCharacterDevice() || st.isBlockDevice()) {
    const rdev = Number(st.rdev);
    yield* entry({ ...base, typeflag: st.isCharacterDevice() ? '3' : '4', devmajor: major(rdev), devminor: minor(rdev), xattrs });
  } else if (st.isFIFO()) yield* entry({ ...base, typeflag: '6', xattrs });
  else if (st.isFile()) yield* entry({ ...base, typeflag: '0', size: Number(st.size), xattrs }, abs);
  // Sockets cannot be archived; dockerd skips them too.
}

export async function readXattrs(abs: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const n of (await llistxattr(abs)).sort()) {
    if (!keepXattr(n)) continue;
    const v = await lgetxattr(abs, n);
    if (v !== null) out.set(n, v);
  }
  return out;
}

/** glibc's major()/minor() of a dev_t. */
export function major(dev: number): number {
  return ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
}

export function minor(dev: number): number {
  return (dev & 0xff) | ((dev >>> 12) & 0xfff00);
}
