import { chown, mkdir, stat } from 'node:fs/promises';
import { InvalidParameter } from '../../engine/errors.js';
import { resolveInRoot } from '../../libcontainer/user.js';

/*
 * The container's working directory, as dockerd's SetupWorkingDirectory treats it:
 * checked when the container is created (dockerd refuses the create, so nothing is
 * left behind) and made, owned by the container's user, when it starts.
 */

const notADirectory = (dir: string): InvalidParameter => new InvalidParameter(`Cannot mkdir: ${dir} is not a directory`);

/** Refuse a working directory that is a file in the image, or lies below one. */
export async function checkWorkdir(rootfs: string, dir: string): Promise<void> {
  if (!dir || dir === '/') return;
  const host = await resolveInRoot(rootfs, dir);
  try {
    if (!(await stat(host)).isDirectory()) throw notADirectory(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw notADirectory(dir);
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Make the working directory in the container's root, owned by its user when new. */
export async function ensureWorkdir(rootfs: string, dir: string, uid: number, gid: number): Promise<void> {
  if (!dir || dir === '/') return;
  const host = await resolveInRoot(rootfs, dir);
  let made: string | undefined;
  try {
    made = await mkdir(host, { recursive: true, mode: 0o755 });
  } catch (err) {
    // A file where the directory should be (or on the way to it): dockerd's words,
    // not the host path of the rootfs.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw notADirectory(dir);
    throw err;
  }
  if (made) await chown(host, uid, gid);
}
