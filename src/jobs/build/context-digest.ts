import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidParameter } from '../../engine/errors.js';
import { cleanName } from '../../drivers/graphdriver/archive/confine.js';
import { BLOCK, decodeHeader, isZeroBlock, padding, parsePax } from '../../drivers/graphdriver/archive/tar-header.js';
import type { ContentDigests } from '../../builder/sources.js';

/*
 * The build context on its way in. The DigestWalker follows the tar as it arrives
 * (context-receive.ts feeds it while the context is held in memory); the ContextTap
 * is the pass-through used when a context is extracted while it arrives. One pass
 * over the bytes does four things: refuse a context over the daemon's limit; hand the extractor chunks of at
 * least 1 MiB (the socket delivers 64 KiB ones, and each becomes a write on the
 * thread pool); take the sha256 of every regular file's content as it goes by, so
 * COPY's cache key never reads the context back from disk (dockerd's tarsum does
 * the same while it extracts); and finish an archive that stops right after its
 * last file's content. The docker CLI sends such a tar whenever it adds the
 * Dockerfile itself (`-f -`, or `-f` outside the context): its
 * AddDockerfileToBuildContext never writes the padding or the end marker, and Go's
 * tar reader in dockerd takes the clean EOF there as the end of the archive.
 *
 * The digests are a shortcut, never the truth: they are dropped (and the builder
 * reads the files) after a symlink or hard link entry, which could make a name on
 * disk differ from its tar entry, and the walker stops on bytes it does not follow.
 * The extractor stays the judge of the archive's validity.
 */

const COALESCE = 1 << 20;
const AHEAD = 4 << 20;

type Phase = 'header' | 'extension' | 'data' | 'padding' | 'end' | 'done';

/** An entry as extraction would make it, for the context's index (context-index.ts). */
export interface WalkedEntry {
  /** Cleaned: relative, no `.`/`..`, '' for the root. */
  name: string;
  dir: boolean;
  /** The header's mode field, type bits and all. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
}

const DIGITS = /^[0-9]+$/;
const TIME = /^-?[0-9]+(\.[0-9]*)?$/;

/**
 * A synchronous tar walker that digests file contents; stops quietly on what it
 * does not follow. It also lists the entries, for an index of the context: only
 * plain ones (regular files and directories, without xattrs), read as the
 * extractor's tar reader reads them; anything else, or bytes that reader would
 * refuse (a bad PAX number, data after a lone zero block, an archive cut short),
 * marks the walk irregular, and no index is made.
 */
export class DigestWalker {
  readonly digests: ContentDigests = new Map();
  readonly entries: WalkedEntry[] = [];
  /** Content of the files named in `keep`, copied out of the input's chunks. */
  readonly kept = new Map<string, Buffer[]>();
  private irregular = false;
  private phase: Phase = 'header';
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes still expected in the current phase. */
  private need = BLOCK;
  private extensionType = '';
  private longName: string | undefined;
  private pax = new Map<string, Buffer>();
  private extSize = 0;
  private pad = 0;
  private file: { name: string; size: number; hash: Hash; kept: Buffer[] | null } | null = null;
  /** Set when the walker cannot follow the bytes: it stops, and vouches for nothing. */
  private lost = false;
  /** Cleared by link entries: the walk goes on, the digests are not used. */
  private trusted = true;

  /** `keep`: cleaned names of files whose content the caller wants (the Dockerfile...). */
  constructor(private readonly keep: ReadonlySet<string> = new Set()) {}

  get usable(): boolean {
    return !this.lost && this.trusted;
  }

  /** The input ended: true when the walk is usable and saw nothing but plain entries, up to a proper end. */
  plain(): boolean {
    const clean = this.pendingBytes === 0 && (this.phase === 'done' || this.phase === 'end' || this.phase === 'header');
    return this.usable && clean && !this.irregular;
  }

  /** Padding the input lacks when it ended cleanly right after a file's content; 0 otherwise. */
  missingPadding(): number {
    return !this.lost && this.phase === 'padding' && this.pendingBytes === 0 ? this.need : 0;
  }

  write(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && this.phase !== 'done') {
      if (this.phase === 'data') {
        const n = Math.min(this.need, chunk.length - off);
        const piece = chunk.subarray(off, off + n);
        this.file?.hash.update(piece);
        // A copy: the chunk itself may be parked (context-park.ts) once walked.
        this.file?.kept?.push(Buffer.from(piece));
        off += n;
        this.need -= n;
        if (this.need === 0) this.endData();
        continue;
      }
      const n = Math.min(this.need - this.pendingBytes, chunk.length - off);
      const piece = chunk.subarray(off, off + n);
      this.pendingBytes += n;
      off += n;
      // A block cut by the chunk's end waits for the next one: as a copy, since the
      // chunk may be parked once walked.
      this.pending.push(this.pendingBytes < this.need ? Buffer.from(piece) : piece);
      if (this.pendingBytes < this.need) continue;
      const whole = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      try {
        this.step(whole);
      } catch {
        this.giveUp();
      }
    }
  }

  private giveUp(): void {
    this.lost = true;
    this.phase = 'done';
    this.digests.clear();
    this.file = null;
  }

  private expect(phase: Phase, bytes: number): void {
    this.phase = phase;
    this.need = bytes;
    if (bytes === 0) {
      if (phase === 'data') this.endData();
      else if (phase === 'padding') this.expect('header', BLOCK);
    }
  }

  private endData(): void {
    if (this.file) this.digests.set(this.file.name, { size: this.file.size, digest: this.file.hash.digest('hex') });
    if (this.file?.kept) this.kept.set(this.file.name, this.file.kept);
    this.file = null;
    this.expect('padding', this.pad);
  }

  private step(block: Buffer): void {
    if (this.phase === 'padding') return this.expect('header', BLOCK);
    if (this.phase === 'end') {
      // The reader wants a second zero block (or the end of the input) after the first.
      if (!isZeroBlock(block)) this.irregular = true;
      this.phase = 'done';
      return;
    }
    if (this.phase === 'extension') {
      if (this.extensionType === 'L') this.longName = block.subarray(0, block.indexOf(0) === -1 ? block.length : block.indexOf(0)).toString('utf8');
      // Copied: its values are read at the next header, maybe after the chunk was parked.
      else if (this.extensionType === 'x') this.pax = new Map([...this.pax, ...parsePax(Buffer.from(block.subarray(0, this.extSize)))]);
      return this.expect('header', BLOCK);
    }
    // A header block.
    if (isZeroBlock(block)) {
      this.expect('end', BLOCK);
      return;
    }
    const h = decodeHeader(block);
    if (h.typeflag === 'L' || h.typeflag === 'x' || h.typeflag === 'g' || h.typeflag === 'K') {
      if (h.size > COALESCE) throw new Error('extension too large');
      this.extensionType = h.typeflag;
      this.extSize = h.size;
      // Read the extension with its padding as one piece.
      this.expect('extension', h.size + padding(h.size));
      if (this.need === 0) this.expect('header', BLOCK);
      return;
    }
    const pax = this.pax;
    const name = pax.get('path')?.toString('utf8') ?? this.longName ?? h.name;
    const paxSize = pax.get('size')?.toString('utf8');
    this.longName = undefined;
    this.pax = new Map();
    if ([...pax.keys()].some((k) => k.startsWith('GNU.sparse.'))) throw new Error('sparse files are not followed here');
    if (h.typeflag === '1' || h.typeflag === '2') this.trusted = false;
    const isFile = h.typeflag === '0' || h.typeflag === '7' || (h.typeflag === '\0' && !name.endsWith('/'));
    const isDir = h.typeflag === '5' || (h.typeflag === '\0' && name.endsWith('/'));
    const size = isFile ? (paxSize !== undefined ? Number(paxSize) : h.size) : 0;
    if (!Number.isSafeInteger(size)) throw new Error('bad size');
    const rel = cleanName(name);
    // The PAX numbers the extractor's reader parses, and refuses when malformed.
    const number = (k: string, fallback: number): number => {
      const v = pax.get(k)?.toString('utf8');
      if (v === undefined) return fallback;
      if (!DIGITS.test(v)) this.irregular = true;
      return Number(v);
    };
    const uid = number('uid', h.uid);
    const gid = number('gid', h.gid);
    if (isFile && paxSize !== undefined && !DIGITS.test(paxSize)) this.irregular = true;
    for (const k of ['mtime', 'atime']) {
      const v = pax.get(k)?.toString('utf8');
      if (v !== undefined && !TIME.test(v)) this.irregular = true;
    }
    if ((!isFile && !isDir) || [...pax.keys()].some((k) => k.startsWith('SCHILY.xattr.'))) this.irregular = true;
    this.entries.push({ name: rel, dir: isDir, mode: h.mode, uid, gid, size });
    this.file = isFile ? { name: rel, size, hash: createHash('sha256'), kept: this.keep.has(rel) ? [] : null } : null;
    this.pad = padding(size);
    this.expect('data', size);
  }
}

export function tooLarge(max: number): InvalidParameter {
  return new InvalidParameter(`the build context is larger than the daemon's limit of ${max} bytes (--max-build-context)`);
}

/** The pass-through in front of the extractor; `digests()` once the input has ended. */
export class ContextTap extends Transform {
  private held: Buffer[] = [];
  private heldBytes = 0;

  /** `walker` and `seen`: to go on from bytes that came before (see context-receive.ts). */
  constructor(private readonly max: number, private readonly walker = new DigestWalker(), private seen = 0) {
    // A few MiB of slack on both sides: the socket keeps being read while the
    // extractor waits on a write, so upload and extraction overlap.
    super({ writableHighWaterMark: AHEAD, readableHighWaterMark: AHEAD });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      cb(tooLarge(this.max));
      return;
    }
    this.walker.write(chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes >= COALESCE) this.release();
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.release();
    const pad = this.walker.missingPadding();
    if (pad > 0) this.push(Buffer.alloc(pad + 2 * BLOCK));
    cb();
  }

  private release(): void {
    if (this.heldBytes === 0) return;
    this.push(this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes));
    this.held = [];
    this.heldBytes = 0;
  }

  /** Content digests by cleaned name, or null when the walker could not vouch for them. */
  digests(): ContentDigests | null {
    return this.walker.usable ? this.walker.digests : null;
  }
}
