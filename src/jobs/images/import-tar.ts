import type { Readable } from 'node:stream';
import { InvalidParameter } from '../../engine/errors.js';
import { decompress, isTarHeader, peek } from '../../graph/archive/decompress.js';

/*
 * dockerd's import untars the body in a child process with Go's archive/tar, and
 * reports what that child says as `Error processing tar file(exit status 1): ...`.
 * berth answers the same words, as a 400 (dockerd: 500) since the input is at fault.
 */

const untarFailed = (goError: string, cause?: unknown): InvalidParameter =>
  new InvalidParameter(`Error processing tar file(exit status 1): ${goError}`, { cause });

/**
 * The body of `docker import`, decompressed and checked before a layer is made: an
 * empty body is an empty layer (dockerd imports it: Go's reader sees no entry), less
 * than a header block is `unexpected EOF`, a block that is not a header is
 * `archive/tar: invalid tar header`.
 */
export async function importTar(input: Readable): Promise<Readable> {
  const tar = await decompress(input);
  const head = await peek(tar, 512);
  if (head.length > 0 && head.length < 512) throw untarFailed('unexpected EOF');
  if (head.length > 0 && !isTarHeader(head)) throw untarFailed('archive/tar: invalid tar header');
  return tar;
}

/** A tar that breaks off later (the layer's applier says so) in the same words. */
export function importTarError(err: unknown): unknown {
  if (!(err instanceof InvalidParameter) || !err.message.startsWith('invalid tar header: ')) return err;
  return untarFailed(err.message.includes('unexpected end of archive') ? 'unexpected EOF' : 'archive/tar: invalid tar header', err);
}
