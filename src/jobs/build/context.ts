import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { applyTar } from '../../drivers/graphdriver/archive/apply.js';
import { cleanName, resolveInRoot } from '../../drivers/graphdriver/archive/confine.js';
import { InvalidParameter, isErrno } from '../../engine/errors.js';
import { decompress, peek } from '../../graph/archive/decompress.js';
import { IgnoreMatcher, readIgnore } from '../../builder/dockerignore.js';
import type { ContentDigests } from '../../builder/sources.js';
import { ContextTap } from './context-digest.js';

/*
 * The build context: the request body, a tar (plain or compressed) extracted into
 * scratch space under the data root with the layer extractor's confinement (no
 * `..`, no absolute names, no writes through symlinks, no devices), or a bare
 * Dockerfile (`docker build - < Dockerfile`). Its size, counted after any
 * decompression (so a small gzip cannot unpack past it), is capped by the daemon's
 * --max-build-context, else BERTH_MAX_BUILD_CONTEXT, else 8 GiB: past it the build
 * is refused.
 */

const DEFAULT_MAX = 8 * 1024 ** 3;

/** The cap in bytes: the daemon option when set (> 0), else the environment, else the default. */
export function maxContextBytes(configured: number): number {
  if (configured > 0) return configured;
  const v = Number(process.env['BERTH_MAX_BUILD_CONTEXT']);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_MAX;
}

export interface Context {
  dockerfile: string;
  ignore: IgnoreMatcher;
  /** Files' content digests taken on the way in (see context-digest.ts), or null. */
  digests: ContentDigests | null;
}

/** Unpack the body into `dir`; returns the Dockerfile's text and the .dockerignore rules. */
export async function openContext(body: Readable, dir: string, dockerfileName: string, max: number, signal: AbortSignal): Promise<Context> {
  const tap = new ContextTap(max);
  const input = (await decompress(body)).pipe(tap);
  const head = await peek(input, 512);
  const isTar = head.length >= 512 && head.subarray(257, 262).toString('latin1') === 'ustar';
  if (!isTar) {
    const chunks: Buffer[] = [];
    for await (const c of input) chunks.push(c as Buffer);
    return { dockerfile: Buffer.concat(chunks).toString('utf8'), ignore: new IgnoreMatcher([]), digests: null };
  }
  await applyTar(dir, input, { whiteouts: 'aufs', signal });
  const digests = tap.digests();
  let ignore = new IgnoreMatcher([]);
  try {
    ignore = new IgnoreMatcher(readIgnore(await readFile(path.join(dir, '.dockerignore'), 'utf8')));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  const name = dockerfileName || 'Dockerfile';
  const read = async (n: string): Promise<string> => readFile(path.join(dir, await resolveInRoot(dir, cleanName(n), true)), 'utf8');
  try {
    return { dockerfile: await read(name), ignore, digests };
  } catch (err) {
    if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR') && !isErrno(err, 'EISDIR')) throw err;
    // dockerd falls back to the lower-case name for the default.
    if (!dockerfileName || dockerfileName === 'Dockerfile') {
      try {
        return { dockerfile: await read('dockerfile'), ignore, digests };
      } catch {
        // reported below
      }
    }
    throw new InvalidParameter(`Cannot locate specified Dockerfile: ${name}`);
  }
}
