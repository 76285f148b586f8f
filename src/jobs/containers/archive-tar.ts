import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { END_OF_ARCHIVE, fileEntry, type LinkMap, type OwnerNames } from '../../drivers/graphdriver/archive/tar-writer.js';
import { isErrno } from '../../engine/errors.js';

/*
 * Tars of paths inside a container's rootfs, as dockerd's TarWithOptions writes
 * them for `docker cp` and `docker export`: lexical order (Go's filepath.Walk),
 * directories with a trailing slash, hardlinked files once then as links, sockets
 * left out. Nothing is followed: every entry is lstat'ed, and file contents are
 * opened O_NOFOLLOW by the tar writer, so a symlink met on the way is archived as
 * a symlink and never read through.
 */

/**
 * The tar of `rel` (relative to `root`, already resolved), its entries renamed so
 * that `rel` itself is called `name` (`docker cp c:/etc/.` gives `./`, `./passwd`).
 * A name of `/` (the whole rootfs) gives `/`, `/bin/`, ... as dockerd does.
 */
export function packPath(root: string, rel: string, name: string, owners?: OwnerNames): Readable {
  return Readable.from(packPathGen(root, rel, name, owners), { objectMode: false });
}

async function* packPathGen(root: string, rel: string, name: string, owners?: OwnerNames): AsyncGenerator<Buffer> {
  const links: LinkMap = new Map();
  const abs = path.join(root, rel);
  const st = await lstat(abs, { bigint: true });
  // fileEntry adds the directory slash itself: the root `/` is passed as ''.
  const top = name === '/' ? '' : name.replace(/\/+$/, '');
  yield* fileEntry(top, abs, st, links, owners);
  if (st.isDirectory()) yield* walk(abs, top === '' ? '/' : `${top}/`, links, owners);
  yield END_OF_ARCHIVE;
}

/** The tar of everything under `root`, names relative to it (`docker export`). */
export function packTree(root: string, owners?: OwnerNames): Readable {
  return Readable.from(packTreeGen(root, owners), { objectMode: false });
}

async function* packTreeGen(root: string, owners?: OwnerNames): AsyncGenerator<Buffer> {
  yield* walk(root, '', new Map(), owners);
  yield END_OF_ARCHIVE;
}

/** Entries under the directory `abs`, each named `prefix` + its relative path. */
async function* walk(abs: string, prefix: string, links: LinkMap, owners?: OwnerNames): AsyncGenerator<Buffer> {
  let names: string[];
  try {
    names = (await readdir(abs)).sort();
  } catch (err) {
    // A running container may remove a directory while it is archived.
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  for (const n of names) {
    const childAbs = path.join(abs, n);
    let st;
    try {
      st = await lstat(childAbs, { bigint: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      throw err;
    }
    yield* fileEntry(`${prefix}${n}`, childAbs, st, links, owners);
    if (st.isDirectory()) yield* walk(childAbs, `${prefix}${n}/`, links, owners);
  }
}
