import { crc32 } from 'node:zlib';

/** Largest stored deflate block (its length field is 16 bits). */
const STORED_MAX = 0xffff;

/**
 * A gzip member (RFC 1952) that holds `parts` (`size` bytes in all) as stored,
 * uncompressed deflate blocks (RFC 1951 §3.2.4), built by hand: the frame and block
 * headers are a few bytes each and the data goes out as views of `parts`, so nothing
 * is copied. zlib's level 0 copies every byte through its window and costs ~10 ms a
 * MiB; this costs a CRC-32 (~0.2 ms a MiB). Any gzip reader reads it; the bytes
 * depend on the input alone, so a layer always gets the same digest.
 */
export function storedMember(parts: readonly Buffer[], size: number): Buffer[] {
  const blocks = Math.max(1, Math.ceil(size / STORED_MAX));
  const frame = Buffer.alloc(10 + 5 * blocks + 8);
  // ID1 ID2, CM=deflate, no flags, no mtime, no extra flags, OS=Unix (as node's gzip writes).
  frame.set([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03]);
  const out: Buffer[] = [frame.subarray(0, 10)];
  let crc = 0;
  let part = 0;
  let offset = 0;
  let left = size;
  for (let b = 0; b < blocks; b++) {
    const len = Math.min(STORED_MAX, left);
    left -= len;
    const at = 10 + 5 * b;
    frame[at] = left === 0 ? 1 : 0; // BFINAL on the last, BTYPE=00 (stored)
    frame.writeUInt16LE(len, at + 1);
    frame.writeUInt16LE(~len & 0xffff, at + 3);
    out.push(frame.subarray(at, at + 5));
    for (let need = len; need > 0;) {
      const p = parts[part]!;
      const take = Math.min(need, p.length - offset);
      const view = p.subarray(offset, offset + take);
      crc = crc32(view, crc);
      out.push(view);
      need -= take;
      offset += take;
      if (offset === p.length) {
        part++;
        offset = 0;
      }
    }
  }
  const trailer = frame.subarray(10 + 5 * blocks);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size >>> 0, 4);
  out.push(trailer);
  return out;
}
