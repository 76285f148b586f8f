import { open, stat, type FileHandle } from 'node:fs/promises';

/** One file of a container's log: the handle, its inode (to see rotation) and where reading starts. */
export interface LogFile {
  path: string;
  fh: FileHandle;
  ino: number;
  size: number;
  start: number;
}

const BLOCK = 64 * 1024;
const NL = 0x0a;
/** Far above the longest record the shim writes (16 KiB of line, escaped up to 6 bytes a byte). */
const MAX_RECORD = 1 << 20;

/**
 * The log's files, oldest first: FILE.N ... FILE.1 (the shim's rotation, when
 * present) then FILE. Opened at once so that a rotation while reading moves names,
 * not the bytes under the handles. A missing FILE (never started) is no file.
 */
export async function openLogFiles(path: string): Promise<LogFile[]> {
  const rotated: string[] = [];
  for (let i = 1; ; i++) {
    const st = await stat(`${path}.${i}`).catch(() => null);
    if (!st) break;
    rotated.push(`${path}.${i}`);
  }
  const files: LogFile[] = [];
  for (const p of [...rotated.reverse(), path]) {
    const f = await openLogFile(p);
    if (f) files.push(f);
  }
  return files;
}

export async function openLogFile(path: string): Promise<LogFile | null> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const st = await fh.stat();
  return { path, fh, ino: st.ino, size: st.size, start: 0 };
}

/**
 * Set each file's `start` so that reading from there gives the last `n` complete
 * lines (records) of the whole log, as dockerd's tail: scanned backwards block by
 * block from the newest file, so a large log costs only its last lines. An
 * unterminated record at the very end (a write in progress) is not counted.
 */
export async function seekTail(files: LogFile[], n: number): Promise<void> {
  let want = n;
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i]!;
    if (want === 0) {
      f.start = f.size;
      continue;
    }
    const { start, found } = await lastLines(f, want);
    f.start = start;
    want -= found;
  }
}

/** Where the last `n` complete lines of one file start, and how many there are (fewer when the file is short). */
async function lastLines(f: LogFile, n: number): Promise<{ start: number; found: number }> {
  const buf = Buffer.allocUnsafe(BLOCK);
  // newlines seen so far; the first one (from the end) terminates the last complete line.
  let seen = 0;
  let end = f.size;
  while (end > 0) {
    const from = Math.max(0, end - BLOCK);
    const { bytesRead } = await f.fh.read(buf, 0, end - from, from);
    let i = bytesRead - 1;
    while (i >= 0) {
      const p = buf.lastIndexOf(NL, i);
      if (p < 0 || p > i) break;
      seen++;
      // The (n+1)th newline from the end closes the line before the wanted ones.
      if (seen === n + 1) return { start: from + p + 1, found: n };
      i = p - 1;
    }
    end = from;
  }
  return { start: 0, found: seen };
}

/**
 * Bytes per string handed out. Not more: a string above V8's regular-object limit
 * (128 KiB) lives in the large-object space, where slicing and freeing it cost
 * several times more than reading it.
 */
const PIECE = 64 * 1024;
/** Bytes per read of a long file: few reads (each a trip to the thread pool), few writes to the client. */
const LARGE = 1 << 20;

/**
 * Complete lines of one file from an offset on, as latin1 strings (one char per byte:
 * see RecordScanner) of at most PIECE bytes unless one line is longer. The bytes
 * after the last "\n" are kept, at the buffer's start, until the rest of their
 * record arrives: the shim may write a long record in more than one write(2). The
 * buffer starts at PIECE bytes (a follower reads a few lines at a time); a read
 * that fills it moves to LARGE ones, and a short read back to PIECE.
 */
export class LineSource {
  private buf = Buffer.allocUnsafe(PIECE);
  /** Bytes of an unfinished line at buf[0, kept). */
  private kept = 0;

  constructor(readonly file: LogFile, public pos: number = file.start) {}

  /** The complete lines of the next read up to the file's current end, in pieces; null at the end. */
  async next(): Promise<string[] | null> {
    for (;;) {
      if (this.kept === this.buf.length) {
        // No record is this long (the shim cuts lines at 16 KiB): garbage, dropped.
        if (this.buf.length >= MAX_RECORD) this.kept = 0;
        else this.resize(this.buf.length * 2);
      }
      const { bytesRead } = await this.file.fh.read(this.buf, this.kept, this.buf.length - this.kept, this.pos);
      if (bytesRead === 0) return null;
      this.pos += bytesRead;
      const filled = this.kept + bytesRead;
      const last = this.buf.lastIndexOf(NL, filled - 1);
      if (last < this.kept) {
        this.kept = filled;
        continue;
      }
      const pieces = this.pieces(last + 1);
      this.kept = filled - (last + 1);
      if (this.kept) this.buf.copyWithin(0, last + 1, filled);
      if (filled === this.buf.length && this.buf.length < LARGE) this.resize(LARGE);
      else if (bytesRead < PIECE && this.buf.length > PIECE && this.kept < PIECE) this.resize(PIECE);
      return pieces;
    }
  }

  /** buf[0, end) (whole lines) as strings of at most PIECE bytes, each ending in a newline. */
  private pieces(end: number): string[] {
    const out: string[] = [];
    let from = 0;
    while (from < end) {
      let to = end;
      if (end - from > PIECE) {
        to = this.buf.lastIndexOf(NL, from + PIECE - 1) + 1;
        // One line longer than a piece: it is its own.
        if (to <= from) to = this.buf.indexOf(NL, from + PIECE) + 1;
      }
      out.push(this.buf.toString('latin1', from, to));
      from = to;
    }
    return out;
  }

  private resize(size: number): void {
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.kept);
    this.buf = next;
  }
  /** Start over at `pos` with nothing pending (the file was truncated under us). */
  reset(pos: number): void {
    this.pos = pos;
    this.kept = 0;
  }

  async close(): Promise<void> {
    await this.file.fh.close().catch(() => undefined);
  }
}
