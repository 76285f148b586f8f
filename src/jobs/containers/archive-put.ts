import type { BigIntStats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidParameter, System } from '../../engine/errors.js';
import { decompress } from '../../graph/archive/decompress.js';
import type { Handler } from '../context.js';
import { extractInto } from './archive-extract.js';
import { containerOwner } from './archive-owner.js';
import { inContainer, resolveFollow } from './archive-path.js';
import { fileNotFound, isMissing, withCopyView } from './archive-rootfs.js';
import { mountHolding } from './archive-volumes.js';
import { containersOf, publish } from './common.js';

/**
 * `PUT /containers/{id}/archive?path=DIR`: extract the request body (a tar) into the
 * directory DIR of the container, as dockerd's ContainerExtractToDir: DIR is
 * resolved with its final symlink followed, must exist and be a directory, and the
 * rootfs must not be read-only, nor the volume or bind holding DIR. Volumes and
 * binds are mounted into the rootfs for the copy (archive-volumes.ts).
 */
export const containerArchivePut: Handler<'container_archive_put'> = async (job, ctx) => {
  const { name, path: userPath, noOverwriteDirNonDir, copyUIDGID } = job.args;
  const stdin = job.stdin;
  if (!stdin) throw new InvalidParameter('the archive to extract is missing from the request body');
  try {
    const c = containersOf(ctx).get(name);
    await withCopyView(ctx, c, async (root) => {
      let dest: string;
      let st: BigIntStats;
      try {
        dest = await resolveFollow(root, userPath);
        st = await lstat(path.join(root, dest), { bigint: true });
      } catch (err) {
        if (isMissing(err)) throw fileNotFound(userPath, name, err);
        throw err;
      }
      if (!st.isDirectory()) throw new System('extraction point is not a directory');
      // A read-only rootfs still takes copies into its writable volumes, as in dockerd.
      const volume = mountHolding(c, inContainer(dest));
      if (volume && !volume.RW) throw new System('mounted volume is marked read-only');
      if (!volume && c.HostConfig['ReadonlyRootfs'] === true) throw new System('container rootfs is marked read-only');
      const owner = copyUIDGID ? await containerOwner(root, c.Config.User) : null;
      // dockerd's Untar takes gzip, bzip2 and xz as well as a plain tar.
      await extractInto(await decompress(stdin), { root, dest, noOverwriteDirNonDir, ...(owner ? { owner } : {}), signal: job.signal });
      publish(ctx, c, 'extract-to-dir');
    });
  } catch (err) {
    // Read the rest of the body away, so that the client gets the error, not a broken pipe.
    if (!stdin.destroyed) stdin.unpipe().resume();
    throw untarWords(err);
  }
};

/**
 * A body that is no tar, in the words of dockerd's untar (a child process running Go's
 * archive/tar): a short or cut archive is `unexpected EOF`, a bad header block
 * `archive/tar: invalid tar header`. A 400 here (dockerd: 500), as bad input.
 */
function untarWords(err: unknown): unknown {
  if (!(err instanceof InvalidParameter) || !err.message.startsWith('invalid tar header: ')) return err;
  const goError = err.message.includes('unexpected end of archive') ? 'unexpected EOF' : 'archive/tar: invalid tar header';
  return new InvalidParameter(`Error processing tar file(exit status 1): ${goError}`, { cause: err });
}
