import type { BigIntStats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { resolveInRoot } from '../../drivers/graphdriver/archive/confine.js';
import type { Handler } from '../context.js';
import { goBase, inContainer, resolvePath, type ResolvedPath } from './archive-path.js';
import { fileNotFound, isMissing, withCopyView } from './archive-rootfs.js';
import { containersOf } from './common.js';
import { PATH_STAT_HEADER, type HeaderSink, type PathStat } from './files-types.js';

// Go's os.FileMode type bits (above the permission bits), as dockerd serialises them.
const MODE_DIR = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;
const MODE_DEVICE = 2 ** 26;
const MODE_NAMED_PIPE = 2 ** 25;
const MODE_SOCKET = 2 ** 24;
const MODE_SETUID = 2 ** 23;
const MODE_SETGID = 2 ** 22;
const MODE_CHAR_DEVICE = 2 ** 21;
const MODE_STICKY = 2 ** 20;

/** A stat's mode as Go's os.FileMode (sums, not `|`: the bits pass 2^31). */
export function goFileMode(st: BigIntStats): number {
  const mode = Number(st.mode);
  let m = mode & 0o777;
  if (st.isDirectory()) m += MODE_DIR;
  else if (st.isSymbolicLink()) m += MODE_SYMLINK;
  else if (st.isBlockDevice()) m += MODE_DEVICE;
  else if (st.isCharacterDevice()) m += MODE_DEVICE + MODE_CHAR_DEVICE;
  else if (st.isFIFO()) m += MODE_NAMED_PIPE;
  else if (st.isSocket()) m += MODE_SOCKET;
  if (mode & 0o4000) m += MODE_SETUID;
  if (mode & 0o2000) m += MODE_SETGID;
  if (mode & 0o1000) m += MODE_STICKY;
  return m;
}

/** Nanoseconds since the epoch as Go's RFC3339Nano in UTC (fraction without trailing zeros). */
export function goTimeNs(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const iso = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${iso}${frac ? `.${frac}` : ''}Z`;
}

/**
 * dockerd's StatPath: lstat of the resolved path, named after the path as given;
 * for a symlink, where it finally leads inside the container.
 */
export async function statPath(root: string, userPath: string, container: string): Promise<{ stat: PathStat; resolved: ResolvedPath; st: BigIntStats }> {
  let resolved: ResolvedPath;
  let st: BigIntStats;
  try {
    resolved = await resolvePath(root, userPath);
    // A trailing slash asks for a directory, as the kernel's own lookup does.
    st = await lstat(path.join(root, resolved.rel) + (resolved.base === '' && resolved.rel !== '' ? '/' : ''), { bigint: true });
  } catch (err) {
    if (isMissing(err)) throw fileNotFound(userPath, container, err);
    throw err;
  }
  let linkTarget = '';
  if (st.isSymbolicLink()) linkTarget = inContainer(await resolveInRoot(root, resolved.abs.replace(/^\/+/, ''), true));
  const stat: PathStat = { name: goBase(resolved.abs), size: Number(st.size), mode: goFileMode(st), mtime: goTimeNs(st.mtimeNs), linkTarget };
  return { stat, resolved, st };
}

/** Put the stat in the reply's header when the stdout is an HTTP reply. */
export function announceStat(stdout: Writable | null, stat: PathStat): void {
  if (stdout && typeof (stdout as Partial<HeaderSink>).setHeader === 'function') {
    (stdout as unknown as HeaderSink).setHeader(PATH_STAT_HEADER, Buffer.from(JSON.stringify(stat)).toString('base64'));
  }
}

/** `HEAD /containers/{id}/archive?path=`: what `docker cp` asks before copying. */
export const containerArchiveStat: Handler<'container_archive_stat'> = async (job, ctx) => {
  const c = containersOf(ctx).get(job.args.name);
  const { stat } = await withCopyView(ctx, c, (root) => statPath(root, job.args.path, job.args.name));
  announceStat(job.stdout, stat);
  return stat;
};
