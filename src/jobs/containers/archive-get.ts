import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { lstat } from 'node:fs/promises';
import { InvalidParameter } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { goBase, resolveFollow } from './archive-path.js';
import { fileNotFound, isMissing, withCopyView } from './archive-rootfs.js';
import { announceStat, statPath } from './archive-stat.js';
import { containerOwnerNames } from './archive-names.js';
import { packPath, packTree } from './archive-tar.js';
import { containersOf, publish } from './common.js';

/** What to archive: the rootfs-relative path and the name its entries take; `contents`: a directory's entries only. */
interface Source {
  rel: string;
  name: string;
  contents?: boolean;
}

/**
 * `GET /containers/{id}/archive?path=`: the path's stat in the header, then its tar,
 * entries named after the path as given (dockerd's rebase: `/bin/sh` gives `sh`
 * even though the directory part was resolved, `/tmp/.` gives `./…`). The rootfs
 * stays mounted and the container locked until the tar is sent.
 */
export const containerArchiveGet: Handler<'container_archive_get'> = async (job, ctx) => {
  const { name, path: userPath, legacy } = job.args;
  const out = job.stdout;
  if (!out) throw new InvalidParameter('archive needs an output stream');
  const c = containersOf(ctx).get(name);
  await withCopyView(ctx, c, async (root) => {
    let src: Source;
    if (legacy) {
      src = await legacySource(root, userPath, name);
    } else {
      const { stat, resolved } = await statPath(root, userPath, name);
      announceStat(out, stat);
      src = { rel: resolved.rel, name: goBase(resolved.abs) };
    }
    publish(ctx, c, legacy ? 'copy' : 'archive-path');
    const owners = await containerOwnerNames(root);
    const tar = src.contents ? packTree(path.join(root, src.rel), owners) : packPath(root, src.rel, src.name, owners);
    await pipeline(tar, out, { signal: job.signal });
  });
};

/**
 * The old copy API (dockerd's containerCopy): every symlink followed; a file comes
 * under its resolved name, a directory as its contents without a top entry.
 */
async function legacySource(root: string, userPath: string, container: string): Promise<Source> {
  try {
    const rel = await resolveFollow(root, userPath);
    const st = await lstat(path.join(root, rel));
    return { rel, name: path.posix.basename(rel), contents: st.isDirectory() };
  } catch (err) {
    if (isMissing(err)) throw fileNotFound(userPath, container, err);
    throw err;
  }
}

