import { copyFile, chmod, lchown, lstat, lutimes, mkdir, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { cleanName, resolveInRoot } from '../drivers/graphdriver/archive/confine.js';
import { isErrno } from '../engine/errors.js';
import { decompress, peek } from '../graph/archive/decompress.js';
import { isExcluded, type Source, type SourceRoot } from './sources.js';

/*
 * Writing COPY/ADD sources into a rootfs. Every destination is resolved under the
 * rootfs with chroot semantics (confine.ts): parents are followed through the
 * image's own symlinks but never out of the rootfs, and a final symlink is replaced,
 * never written through. New files and directories belong to root (0:0) unless
 * `--chown` said otherwise, as in dockerd.
 */

export interface Owner {
  uid: number;
  gid: number;
}

const ROOT: Owner = { uid: 0, gid: 0 };

/** A path component that exists and is not a directory where one is needed (dockerd's mkdir error). */
export class NotADirectory extends Error {}

/** Make the directory `rel` (and its missing parents) under root; returns its resolved path. */
export async function ensureDir(root: string, rel: string, owner: Owner = ROOT): Promise<string> {
  let done = '';
  for (const part of rel.split('/').filter((p) => p !== '')) {
    const next = await resolveInRoot(root, done === '' ? part : `${done}/${part}`, true);
    const abs = path.join(root, next);
    try {
      const st = await lstat(abs);
      if (!st.isDirectory()) throw new NotADirectory(`mkdir ${abs}: not a directory`);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      await mkdir(abs, { mode: 0o755 });
      await lchown(abs, owner.uid, owner.gid);
    }
    done = next;
  }
  return done;
}

/** The resolved place for a new entry `rel`: its parent made, a final symlink or non-dir removed. */
async function place(root: string, rel: string, owner: Owner, dir: boolean): Promise<string> {
  const parent = await ensureDir(root, path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel), owner);
  const final = parent === '' ? path.posix.basename(rel) : `${parent}/${path.posix.basename(rel)}`;
  const abs = path.join(root, final);
  try {
    const st = await lstat(abs);
    if (!(dir && st.isDirectory())) await rm(abs, { recursive: !dir && st.isDirectory() ? true : false, force: true });
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  return abs;
}

async function copyOne(src: SourceRoot, srcRel: string, root: string, destRel: string, owner: Owner | null): Promise<void> {
  const from = path.join(src.dir, srcRel);
  const st = await lstat(from);
  const own = owner ?? ROOT;
  if (st.isDirectory()) {
    const abs = await place(root, destRel, own, true);
    await mkdir(abs, { recursive: true, mode: 0o755 });
    for (const name of await readdir(from)) {
      const child = srcRel === '' ? name : `${srcRel}/${name}`;
      if (isExcluded(src, child)) continue;
      await copyOne(src, child, root, `${destRel}/${name}`, owner);
    }
    await chmod(abs, st.mode & 0o7777);
    await lchown(abs, own.uid, own.gid);
    await lutimes(abs, st.atime, st.mtime);
    return;
  }
  const abs = await place(root, destRel, own, false);
  if (st.isSymbolicLink()) {
    await symlink(await readlink(from), abs);
  } else if (st.isFile()) {
    await copyFile(from, abs);
    await chmod(abs, st.mode & 0o7777);
  } else {
    return; // devices, fifos and sockets are not copied from a context
  }
  await lchown(abs, own.uid, own.gid);
  await lutimes(abs, st.atime, st.mtime);
}

/** The destination relative to the rootfs. */
export function destRel(dest: string): string {
  return cleanName(dest);
}

/**
 * A directory source into `rel` (resolved) as dockerd's copyDirectory: only the
 * contents are copied. An existing directory is left as it is (mode, owner, times:
 * `COPY dir /tmp` keeps /tmp's 1777); a missing one is made 0755 with root's missing
 * parents, and only it takes the `--chown` owner.
 */
async function copyDirInto(src: SourceRoot, srcRel: string, root: string, rel: string, owner: Owner | null): Promise<void> {
  const abs = path.join(root, rel);
  let exists = false;
  try {
    if (!(await lstat(abs)).isDirectory()) throw new NotADirectory(`mkdir ${abs}: not a directory`);
    exists = true;
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  if (!exists) {
    await ensureDir(root, rel);
    if (owner) await lchown(abs, owner.uid, owner.gid);
  }
  for (const name of await readdir(path.join(src.dir, srcRel))) {
    const child = srcRel === '' ? name : `${srcRel}/${name}`;
    if (isExcluded(src, child)) continue;
    await copyOne(src, child, root, rel === '' ? name : `${rel}/${name}`, owner);
  }
}

/**
 * Copy the sources to `dest` (absolute, in the image) as COPY does: a file lands on
 * `dest`, or in it when it is a directory (ends with `/`, or exists as one); a
 * directory's contents land in `dest`. As dockerd, `dest` is resolved through the
 * image's symlinks, the last one too (confined to the rootfs): `COPY f /link` writes
 * the link's target. Errors carry dockerd's `failed to copy files: ...` wording.
 */
export async function copySources(src: SourceRoot, sources: readonly Source[], root: string, dest: string, owner: Owner | null): Promise<void> {
  let rel: string;
  let destIsDir = dest.endsWith('/') || sources.length > 1;
  try {
    rel = await resolveInRoot(root, destRel(dest), true);
    if (!destIsDir) destIsDir = (await lstat(path.join(root, rel))).isDirectory();
  } catch (err) {
    if (isErrno(err, 'ENOTDIR')) throw new NotADirectory(`failed to copy files: lstat ${path.join(root, destRel(dest))}: not a directory`);
    if (!isErrno(err, 'ENOENT')) throw err;
    rel ??= destRel(dest);
  }
  for (const s of sources) {
    const isDir = s.stat.isDirectory();
    try {
      if (isDir) await copyDirInto(src, s.rel, root, rel, owner);
      else await copyOne(src, s.rel, root, destIsDir ? `${rel}/${path.posix.basename(s.named)}` : rel, owner);
    } catch (err) {
      if (!(err instanceof NotADirectory)) throw err;
      throw new NotADirectory(`failed to copy files: failed to ${isDir ? 'copy directory' : 'create new directory'}: ${err.message}`);
    }
  }
}

/** True when the file starts (after any compression) with a tar header, as ADD's auto-extraction checks. */
export async function isTarFile(file: string): Promise<boolean> {
  const raw = createReadStream(file);
  try {
    const head = await peek(await decompress(raw), 512);
    return head.length >= 512 && head.subarray(257, 262).toString('latin1') === 'ustar';
  } catch {
    return false;
  } finally {
    raw.destroy();
  }
}

/** Unpack a tar (ADD of a local archive) into the directory `dest`, confined to the rootfs. */
export async function extractArchive(file: string, root: string, dest: string): Promise<void> {
  const input: Readable = await decompress(createReadStream(file));
  const base = destRel(dest);
  await ensureDir(root, base);
  const ex = tar.extract();
  // As dockerd's Unpack, directories take their times once everything is in them.
  const dirTimes: [string, Date][] = [];
  const done = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      const name = cleanName(h.name, 'name');
      const rel = base === '' ? name : `${base}/${name}`;
      const owner = { uid: h.uid ?? 0, gid: h.gid ?? 0 };
      if (name === '') {
        entry.resume();
        continue;
      }
      if (h.type === 'directory') {
        const abs = await place(root, rel, owner, true);
        await mkdir(abs, { recursive: true });
        await chmod(abs, (h.mode ?? 0o755) & 0o7777);
        await lchown(abs, owner.uid, owner.gid);
        if (h.mtime) dirTimes.push([abs, h.mtime]);
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        const abs = await place(root, rel, owner, false);
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        await writeFile(abs, Buffer.concat(chunks), { mode: (h.mode ?? 0o644) & 0o7777 });
        await chmod(abs, (h.mode ?? 0o644) & 0o7777);
        await lchown(abs, owner.uid, owner.gid);
        if (h.mtime) await lutimes(abs, h.mtime, h.mtime);
      } else if (h.type === 'symlink') {
        const abs = await place(root, rel, owner, false);
        await symlink(h.linkname ?? '', abs);
        await lchown(abs, owner.uid, owner.gid);
        if (h.mtime) await lutimes(abs, h.mtime, h.mtime);
        entry.resume();
      } else {
        entry.resume(); // hard links and devices from an ADDed archive are skipped
      }
    }
  })();
  input.pipe(ex);
  await done;
  for (const [abs, mtime] of dirTimes.reverse()) await lutimes(abs, mtime, mtime);
}
