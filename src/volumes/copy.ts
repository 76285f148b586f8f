import { chmod, chown, copyFile, lchown, lstat, mkdir, readdir, readlink, symlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * dockerd's copy-up: what the image holds at a volume's destination is copied into
 * the volume when it is first mounted while empty, so `VOLUME /data` over files in
 * the image shows those files. Directories, regular files and symlinks keep their
 * mode, owner and times; the top directory takes the source's mode and owner too.
 * Devices, fifos and sockets are skipped: a volume's seed never needs them.
 * `src` must already be resolved inside the container's rootfs; symlinks under it
 * are copied as links, never followed, so nothing outside the rootfs is read.
 */
export async function copyTree(src: string, dst: string): Promise<void> {
  const st = await lstat(src);
  for (const e of await readdir(src, { withFileTypes: true })) {
    const from = join(src, e.name);
    const to = join(dst, e.name);
    const s = await lstat(from);
    if (s.isDirectory()) {
      await mkdir(to, { mode: 0o700 });
      await copyTree(from, to);
    } else if (s.isFile()) {
      await copyFile(from, to);
      await chown(to, s.uid, s.gid);
      await chmod(to, s.mode & 0o7777);
      await utimes(to, s.atime, s.mtime);
    } else if (s.isSymbolicLink()) {
      await symlink(await readlink(from), to);
      await lchown(to, s.uid, s.gid);
    }
  }
  await chown(dst, st.uid, st.gid);
  await chmod(dst, st.mode & 0o7777);
  await utimes(dst, st.atime, st.mtime);
}
