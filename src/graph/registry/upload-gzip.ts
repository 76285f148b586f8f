import { promisify } from 'node:util';
import { createGzip, deflateRaw } from 'node:zlib';
import { storedMember } from './stored-gzip.js';

const deflateRawAsync = promisify(deflateRaw);

/** Input bytes per gzip member. */
export const GZIP_BLOCK = 1 << 20;
/**
 * zlib level of pushed layers: the fast end (levels 1-3 share zlib's fast
 * matcher; 2 measured quickest here, at about 100 MB/s a core on binaries, with
 * output within 7% of level 6's, which runs at 45 MB/s).
 */
export const GZIP_LEVEL = 2;
/** A block whose first bytes deflate to more than this share of their size is stored, not compressed. */
const PROBE_BYTES = 32 << 10;
const STORE_RATIO = 0.97;

/**
 * Compress a stream as gzip the way pigz does its parallel work, but simpler: the
 * input is cut into GZIP_BLOCK-byte blocks, each compressed as its own gzip member
 * on the thread pool, `parallel` at a time, and the members are emitted in order.
 * A sequence of members is a valid gzip stream (RFC 1952; Go's gzip.Reader, pigz,
 * zlib and node all read it whole), so a single layer uses every core.
 *
 * The output depends on the bytes alone (fixed block boundaries, fixed settings, no
 * timestamps), so the same layer always gets the same digest. Blocks that do not
 * compress (random or already-compressed data, judged by a probe of their first
 * bytes) are stored, which costs nothing and loses nothing.
 */
export async function* gzipBlocks(source: AsyncIterable<Buffer>, parallel = 4): AsyncGenerator<Buffer> {
  const queue: Promise<Buffer[]>[] = [];
  let parts: Buffer[] = [];
  let filled = 0;
  let blocks = 0;
  const flush = (): void => {
    const p = compressBlock(parts, filled);
    // Awaited in turn below; a failure before its turn must not count as unhandled.
    p.catch(() => undefined);
    queue.push(p);
    parts = [];
    filled = 0;
    blocks++;
  };
  for await (const chunk of source) {
    let c = chunk;
    while (c.length > 0) {
      const take = Math.min(GZIP_BLOCK - filled, c.length);
      parts.push(c.subarray(0, take));
      filled += take;
      c = c.subarray(take);
      if (filled === GZIP_BLOCK) flush();
    }
    while (queue.length >= parallel) yield* await queue.shift()!;
  }
  // The last partial block; an empty input still makes one (empty) member.
  if (filled > 0 || blocks === 0) flush();
  while (queue.length > 0) yield* await queue.shift()!;
}

/**
 * One member: stored by hand (./stored-gzip.ts) when a probe of its first bytes does
 * not compress, else deflated on the thread pool into an output buffer big enough
 * for the whole member, so what comes back is slices of one allocation.
 */
async function compressBlock(parts: Buffer[], size: number): Promise<Buffer[]> {
  if (size > 0 && !(await compresses(probeOf(parts)))) return storedMember(parts, size);
  return new Promise((resolve, reject) => {
    // deflate's worst case is the input plus 5 bytes per 16 KiB stored block, plus the gzip frame.
    const z = createGzip({ level: GZIP_LEVEL, chunkSize: Math.max(16 << 10, size + (size >> 10) + 1024) });
    const out: Buffer[] = [];
    z.on('data', (c: Buffer) => out.push(c));
    z.on('end', () => resolve(out));
    z.on('error', reject);
    // The compressing levels wait for a full window whatever the pieces: no copy needed.
    for (const p of parts) z.write(p);
    z.end();
  });
}

/** The block's first PROBE_BYTES (copied, only those, when they span pieces: a tar header often comes first). */
function probeOf(parts: Buffer[]): Buffer {
  const first = parts[0]!;
  if (first.length >= PROBE_BYTES || parts.length === 1) return first.subarray(0, PROBE_BYTES);
  const head: Buffer[] = [];
  let n = 0;
  for (const p of parts) {
    if (n >= PROBE_BYTES) break;
    head.push(p.subarray(0, PROBE_BYTES - n));
    n += head.at(-1)!.length;
  }
  return Buffer.concat(head, n);
}

async function compresses(probe: Buffer): Promise<boolean> {
  return (await deflateRawAsync(probe, { level: 1 })).length <= probe.length * STORE_RATIO;
}
