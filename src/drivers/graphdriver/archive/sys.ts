import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { System } from '../../../engine/errors.js';
import * as native from '../../../libcontainer/native.js';

/*
 * Node has no mknod and no xattr calls; the berth addon (src/libcontainer/native.ts)
 * has them. The addon loads on first use and may not be built on a dev checkout, so
 * mknod falls back to the coreutils `mknod` command and xattr reads find nothing;
 * xattr writes then fail with a clear message.
 */

export const { S_IFCHR, S_IFBLK, S_IFIFO } = native;

let available: boolean | undefined;

function addonLoaded(): boolean {
  if (available === undefined) {
    try {
      native.llistxattr('/');
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/** Linux's dev_t encoding (glibc's makedev); arithmetic, since it exceeds 32 bits. */
export function makedev(major: number, minor: number): number {
  return (minor & 0xff) + (major & 0xfff) * 0x100 + (minor - (minor & 0xff)) * 0x1000 + (major - (major & 0xfff)) * 2 ** 32;
}

export async function mknod(path: string, mode: number, major: number, minor: number): Promise<void> {
  if (addonLoaded()) {
    try {
      native.mknod(path, mode, makedev(major, minor));
      return;
    } catch (err) {
      throw new System(`mknod ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  const type = mode & 0o170000;
  const kind = type === S_IFCHR ? 'c' : type === S_IFBLK ? 'b' : 'p';
  const args = ['-m', (mode & 0o7777).toString(8), '--', path, kind];
  if (kind !== 'p') args.push(String(major), String(minor));
  try {
    await promisify(execFile)('mknod', args);
  } catch (err) {
    throw new System(`mknod ${path}: ${((err as { stderr?: string }).stderr ?? String(err)).trim()}`, { cause: err });
  }
}

export async function lsetxattr(path: string, name: string, value: Buffer): Promise<void> {
  if (!addonLoaded()) throw new System(`lsetxattr ${path} ${name}: extended attributes need the berth native addon, which is not built`);
  try {
    native.lsetxattr(path, name, value, 0);
  } catch (err) {
    throw new System(`lsetxattr ${path} ${name}: ${(err as Error).message}`, { cause: err });
  }
}

/** The value, or null when unset (or when the addon is not built: nothing can be read). */
export async function lgetxattr(path: string, name: string): Promise<Buffer | null> {
  return addonLoaded() ? native.lgetxattr(path, name) : null;
}

export async function llistxattr(path: string): Promise<string[]> {
  return addonLoaded() ? native.llistxattr(path) : [];
}

/** Whether xattr calls work here (tests skip xattr cases otherwise). */
export async function haveXattrs(): Promise<boolean> {
  return addonLoaded();
}
