import { InvalidParameter } from '../../../engine/errors.js';
import { ByteSource } from './byte-source.js';
import { BLOCK, decodeHeader, isZeroBlock, padding, parsePax, type RawHeader } from './tar-header.js';

/*
 * A small block-level tar reader. tar-stream (and node-tar) hand out parsed headers
 * only; tar-split needs every raw byte that is not file content (header blocks,
 * PAX/GNU extension headers and their data, padding, the end-of-archive blocks and
 * any trailing bytes) to rebuild the original archive byte for byte, as dockerd's
 * vendored tar-split does. So this reader reports those bytes through `onRaw` and
 * streams file data separately.
 */

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarEntry {
  /** The name as written in the archive (PAX `path` / GNU long name applied). */
  name: string;
  type: EntryType;
  /** The raw type flag, for error messages about unsupported entries. */
  typeflag: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  /** Seconds since the epoch, fractional when PAX gives sub-second times. */
  mtime: number;
  atime?: number;
  devmajor: number;
  devminor: number;
  /** `SCHILY.xattr.<name>` records. */
  xattrs: Map<string, Buffer>;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

/** Largest extension-header payload we accept (names, xattrs); guards memory. */
const MAX_EXTENSION = 1 << 20;

export interface TarReaderOptions {
  /** Receives, in order, every byte of the input that is not consumed through `body()`. */
  onRaw?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export class TarReader {
  private readonly src: ByteSource;
  private readonly onRaw: (chunk: Buffer) => void;
  /** Data bytes of the current entry not yet consumed, then its padding. */
  private remaining = 0;
  private pad = 0;
  private done = false;

  constructor(source: AsyncIterable<Buffer | string | Uint8Array>, opts: TarReaderOptions = {}) {
    this.src = new ByteSource(source, opts.signal);
    this.onRaw = opts.onRaw ?? (() => {});
  }

  /** The next entry, or null after the end-of-archive marker (trailing bytes consumed). */
  async next(): Promise<TarEntry | null> {
    if (this.done) return null;
    await this.finishEntry();
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax = new Map<string, Buffer>();
    for (;;) {
      const block = await this.src.readOrEnd(BLOCK, 'header');
      if (block === null) return this.end();
      this.onRaw(block);
      if (isZeroBlock(block)) {
        const second = await this.src.readOrEnd(BLOCK, 'end-of-archive marker');
        if (second !== null) {
          this.onRaw(second);
          if (!isZeroBlock(second)) throw new InvalidParameter('invalid tar header: data after a single zero block');
        }
        return this.end();
      }
      let h: RawHeader;
      try {
        h = decodeHeader(block);
      } catch (err) {
        throw new InvalidParameter(`${(err as Error).message} at offset ${this.src.offset - BLOCK}`);
      }
      switch (h.typeflag) {
        case 'L':
          longName = cString(await this.extension(h));
          continue;
        case 'K':
          longLink = cString(await this.extension(h));
          continue;
        case 'x':
          pax = new Map([...pax, ...parsePax(await this.extension(h))]);
          continue;
        case 'g':
          // Global PAX headers are ignored, as dockerd does; their bytes stay raw.
          await this.extension(h);
          continue;
      }
      const entry = this.entry(h, longName, longLink, pax);
      this.remaining = entry.size;
      this.pad = padding(entry.size);
      return entry;
    }
  }

  /** The current entry's data, streamed; whatever is not read here is reported raw. */
  async *body(): AsyncGenerator<Buffer> {
    while (this.remaining > 0) {
      const chunk = await this.src.readSome(Math.min(this.remaining, 1 << 20), 'entry data');
      this.remaining -= chunk.length;
      yield chunk;
    }
  }

  /** Stop early (on error or abort): release the input. */
  async close(): Promise<void> {
    this.done = true;
    await this.src.close();
  }

  private async finishEntry(): Promise<void> {
    while (this.remaining > 0) {
      const chunk = await this.src.readSome(Math.min(this.remaining, 1 << 20), 'entry data');
      this.remaining -= chunk.length;
      this.onRaw(chunk);
    }
    if (this.pad > 0) {
      this.onRaw(await this.src.read(this.pad, 'entry padding'));
      this.pad = 0;
    }
  }

  /** After the end marker: anything left (tar writers pad to a record size) is raw too. */
  private async end(): Promise<null> {
    for await (const chunk of this.src.rest()) this.onRaw(chunk);
    this.done = true;
    return null;
  }

  private async extension(h: RawHeader): Promise<Buffer> {
    if (h.size > MAX_EXTENSION) throw new InvalidParameter(`invalid tar header: extension header of ${h.size} bytes is too large`);
    const data = await this.src.read(h.size, 'extension header');
    this.onRaw(data);
    const pad = padding(h.size);
    if (pad > 0) this.onRaw(await this.src.read(pad, 'extension header padding'));
    return data;
  }

  private entry(h: RawHeader, longName: string | undefined, longLink: string | undefined, pax: Map<string, Buffer>): TarEntry {
    const text = (k: string): string | undefined => pax.get(k)?.toString('utf8');
    const int = (k: string, fallback: number): number => {
      const v = text(k);
      if (v === undefined) return fallback;
      if (!/^[0-9]+$/.test(v)) throw new InvalidParameter(`invalid tar header: PAX ${k} "${v}" is not a number`);
      return parseInt(v, 10);
    };
    const time = (k: string): number | undefined => {
      const v = text(k);
      if (v === undefined) return undefined;
      if (!/^-?[0-9]+(\.[0-9]*)?$/.test(v)) throw new InvalidParameter(`invalid tar header: PAX ${k} "${v}" is not a time`);
      return parseFloat(v);
    };
    const name = text('path') ?? longName ?? h.name;
    for (const k of pax.keys()) {
      if (k.startsWith('GNU.sparse.')) throw new InvalidParameter(`invalid tar header: sparse file "${name}" is not supported`);
    }
    let type = TYPES[h.typeflag];
    // Pre-POSIX tars mark regular files with NUL and directories with a trailing slash.
    if (h.typeflag === '\0') type = name.endsWith('/') ? 'dir' : 'file';
    if (type === undefined) {
      throw new InvalidParameter(`invalid tar header: unsupported entry type ${JSON.stringify(h.typeflag)} for "${name}"`);
    }
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of pax) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice('SCHILY.xattr.'.length), v);
    const atime = time('atime');
    return {
      name,
      type,
      typeflag: h.typeflag,
      linkname: text('linkpath') ?? longLink ?? h.linkname,
      mode: h.mode,
      uid: int('uid', h.uid),
      gid: int('gid', h.gid),
      uname: text('uname') ?? h.uname,
      gname: text('gname') ?? h.gname,
      // Only regular files carry data: like Go's reader (dockerd), links, devices and
      // directories are header-only whatever their size field says.
      size: type === 'file' ? int('size', h.size) : 0,
      mtime: time('mtime') ?? h.mtime,
      ...(atime !== undefined ? { atime } : {}),
      devmajor: h.devmajor,
      devminor: h.devminor,
      xattrs,
    };
  }
}

/** GNU long names are NUL-terminated. */
function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
}
