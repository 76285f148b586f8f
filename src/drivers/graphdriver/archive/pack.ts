import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { WHITEOUT_OPAQUE, WHITEOUT_PREFIX } from './apply.js';
import { lgetxattr } from './sys.js';
import { END_OF_ARCHIVE, entry, fileEntry, type LinkMap } from './tar-writer.js';

export interface PackDirOptions {
  /** How the layer dir records deletions: overlayfs whiteouts, or aufs's `.wh.` files. */
  whiteouts: 'overlay' | 'aufs';
}

/** aufs's own bookkeeping at a branch root, never part of a layer (dockerd excludes them too). */
const AUFS_META = new Set(['.wh..wh.plnk', '.wh..wh.aufs', '.wh..wh.orph']);

/**
 * The layer tar of a layer's own diff dir, in sorted order so the same dir gives
 * the same bytes: names relative without `./` (`bin/`, `bin/sh`), overlay
 * whiteouts turned back into `.wh.` entries.
 */
export function packDir(root: string, opts: PackDirOptions): Readable {
  return Readable.from(pack(root, opts), { objectMode: false });
}

async function* pack(root: string, opts: PackDirOptions): AsyncGenerator<Buffer> {
  yield* walk(root, '', opts, new Map());
  yield END_OF_ARCHIVE;
}

async function* walk(root: string, rel: string, opts: PackDirOptions, links: LinkMap): AsyncGenerator<Buffer> {
  for (const n of (await readdir(path.join(root, rel))).sort()) {
    if (rel === '' && opts.whiteouts === 'aufs' && AUFS_META.has(n)) continue;
    const name = rel === '' ? n : `${rel}/${n}`;
    const abs = path.join(root, name);
    const st = await lstat(abs, { bigint: true });
    const owner = { uid: Number(st.uid), gid: Number(st.gid), mtime: Number(st.mtimeMs / 1000n), size: 0, typeflag: '0' };
    if (opts.whiteouts === 'overlay' && st.isCharacterDevice() && st.rdev === 0n) {
      // An overlayfs whiteout: the deletion of `n`, as an empty `.wh.` file.
      yield* entry({ ...owner, name: rel === '' ? `${WHITEOUT_PREFIX}${n}` : `${rel}/${WHITEOUT_PREFIX}${n}`, mode: 0o600 });
      continue;
    }
    yield* fileEntry(name, abs, st, links);
    if (!st.isDirectory()) continue;
    if (opts.whiteouts === 'overlay' && (await lgetxattr(abs, 'trusted.overlay.opaque'))?.toString() === 'y') {
      yield* entry({ ...owner, name: `${name}/${WHITEOUT_OPAQUE}`, mode: Number(st.mode & 0o777n) });
    }
    yield* walk(root, name, opts, links);
  }
}
