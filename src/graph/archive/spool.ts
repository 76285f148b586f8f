import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { posix, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { BerthError, InvalidParameter, isErrno } from '../../engine/errors.js';

/**
 * The outer archive of `docker load`, written member by member into a private
 * directory (on the data root's filesystem, so nothing is copied twice), the way
 * dockerd spools it before reading `manifest.json`.
 *
 * The archive is untrusted: a member named absolutely or with `..` is refused; only
 * regular files and directories are written. Symbolic and hard links are never
 * created on disk: they are kept as a name → target map (targets resolved inside the
 * archive, refused if they leave it), which `SpoolDir.resolve` follows, so archives
 * that share one `layer.tar` between layers by a link still load.
 */
export class SpoolDir {
  private readonly links = new Map<string, string>();

  constructor(readonly root: string) {}

  /** A member's normalised name, or InvalidParameter when it would leave the archive. */
  static clean(name: string): string {
    if (name.startsWith('/') || name.includes('\0')) throw new InvalidParameter(`invalid archive member name ${JSON.stringify(name)}: absolute path`);
    const norm = posix.normalize(name).replace(/\/+$/, '');
    if (norm === '..' || norm.startsWith('../')) {
      throw new InvalidParameter(`invalid archive member name ${JSON.stringify(name)}: it leaves the archive`);
    }
    return norm === '.' ? '' : norm;
  }

  addLink(name: string, target: string): void {
    this.links.set(name, target);
  }

  forget(name: string): void {
    this.links.delete(name);
  }

  /** The on-disk path of archive member `name`, following links recorded from the archive. */
  resolve(name: string): string {
    let cur = SpoolDir.clean(name);
    for (let hops = 0; this.links.has(cur); hops++) {
      if (hops > 40) throw new InvalidParameter(`too many levels of links resolving ${name} in the archive`);
      cur = this.links.get(cur)!;
    }
    return join(this.root, cur);
  }

  async readSmall(name: string, limit: number): Promise<Buffer> {
    const path = this.resolve(name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw new InvalidParameter(`invalid archive: ${name} not found in the archive`);
    }
    if (size > limit) throw new InvalidParameter(`invalid archive: ${name} is larger than ${limit} bytes`);
    return readFile(path);
  }

  async exists(name: string): Promise<boolean> {
    try {
      return (await stat(this.resolve(name))).isFile();
    } catch {
      return false;
    }
  }

  async size(name: string): Promise<number> {
    return (await stat(this.resolve(name))).size;
  }

  /** The first `n` bytes of a member (compression sniffing). */
  async head(name: string, n: number): Promise<Buffer> {
    const fh = await open(this.resolve(name), 'r');
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
}

/** Resolve a link target, relative to the member's directory for symlinks. */
function linkTarget(member: string, target: string, symbolic: boolean): string {
  const base = symbolic ? posix.dirname(member) : '';
  if (symbolic && target.startsWith('/')) throw new InvalidParameter(`invalid archive: link ${member} points outside the archive`);
  return SpoolDir.clean(posix.join(base, target));
}

/** A member that collides with an earlier one (a file where a directory is, ...) is the archive's fault. */
function conflict(err: unknown, name: string): unknown {
  if (isErrno(err) && ['ENOTDIR', 'EEXIST', 'EISDIR'].includes(err.code!)) {
    return new InvalidParameter(`invalid archive: member ${JSON.stringify(name)} conflicts with an earlier one`, { cause: err });
  }
  return err;
}

/**
 * Unpack `input` (an uncompressed tar) into `root`, which must exist and be empty.
 * Rejects with InvalidParameter for a stream that is not a tar or a hostile member.
 */
export async function spoolArchive(input: Readable, root: string, signal?: AbortSignal): Promise<SpoolDir> {
  const dir = new SpoolDir(root);
  const extract = tar.extract();
  const made = new Set<string>(['']);
  const mkdirs = async (rel: string) => {
    if (made.has(rel)) return;
    await mkdir(join(root, rel), { recursive: true, mode: 0o755 });
    for (let p = rel; p && !made.has(p); p = posix.dirname(p) === '.' ? '' : posix.dirname(p)) made.add(p);
  };
  let members = 0;
  const consume = (async () => {
    for await (const entry of extract) {
      signal?.throwIfAborted();
      const h = entry.header;
      members++;
      const name = SpoolDir.clean(h.name);
      if (name === '') {
        entry.resume();
        continue;
      }
      if (h.type === 'directory') {
        await mkdirs(name).catch((err: unknown) => { throw conflict(err, h.name); });
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        await mkdirs(posix.dirname(name) === '.' ? '' : posix.dirname(name)).catch((err: unknown) => { throw conflict(err, h.name); });
        // A later member of the same name replaces the earlier one, as with tar -x.
        dir.forget(name);
        await pipeline(entry, createWriteStream(join(root, name), { mode: 0o644 })).catch((err: unknown) => { throw conflict(err, h.name); });
      } else if ((h.type === 'symlink' || h.type === 'link') && h.linkname) {
        dir.addLink(name, linkTarget(name, h.linkname, h.type === 'symlink'));
        entry.resume();
      } else {
        // Devices, fifos and the like have no place in an image archive: skipped.
        entry.resume();
      }
    }
  })();
  const onAbort = () => extract.destroy(signal!.reason as Error);
  signal?.addEventListener('abort', onAbort, { once: true });
  // Not `pipeline`: on a refusal it would destroy the input, which may be the request
  // whose socket must still carry the 400. An input that failed before this point
  // (a corrupt gzip tail) is already `errored`.
  if (input.errored) extract.destroy(input.errored);
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract);
  try {
    await consume;
  } catch (err) {
    input.unpipe(extract);
    // Our own refusals, file system errors and aborts pass through; anything else
    // came from the tar parser, so the archive is not a (complete) tar.
    if (err instanceof BerthError || isErrno(err) || signal?.aborted) throw err;
    throw new InvalidParameter(`invalid tar header: ${(err as Error).message}`, { cause: err });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (members === 0) throw new InvalidParameter('invalid tar header: the archive is empty');
  return dir;
}
