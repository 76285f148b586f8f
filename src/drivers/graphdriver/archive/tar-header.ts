import { InvalidParameter } from '../../../engine/errors.js';

/**
 * The fields of one 512-byte tar header block (ustar, GNU and v7 layouts), decoded
 * without interpretation: extension headers (PAX `x`/`g`, GNU `L`/`K`) are merged
 * into the entry by the reader, not here.
 */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

export const BLOCK = 512;

/** A block of zeros: two of them end an archive. */
export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Bytes of padding that follow `size` bytes of entry data up to the next block. */
export function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/** A NUL-terminated string field (names are UTF-8 in practice; GNU tar writes raw bytes). */
function str(block: Buffer, off: number, len: number): string {
  const field = block.subarray(off, off + len);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? len : end).toString('utf8');
}

/**
 * A numeric field: octal text terminated by NUL or space, or GNU's base-256 form
 * (high bit of the first byte set, big-endian two's complement) used for sizes
 * over 8 GiB and large uids.
 */
export function num(block: Buffer, off: number, len: number, what: string): number {
  const field = block.subarray(off, off + len);
  if (len > 0 && (field[0]! & 0x80) !== 0) {
    const negative = (field[0]! & 0x40) !== 0;
    let value = 0n;
    for (let i = 0; i < len; i++) {
      const byte = i === 0 ? field[i]! & 0x7f : field[i]!;
      value = (value << 8n) | BigInt(byte);
    }
    if (negative) value -= 1n << BigInt(len * 8 - 1);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) {
      throw new InvalidParameter(`invalid tar header: ${what} field out of range`);
    }
    return Number(value);
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^[ \0]+/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new InvalidParameter(`invalid tar header: ${what} field is not an octal number`);
  }
  return parseInt(text, 8);
}

/** The checksum is the byte sum of the header with its own field read as spaces. */
export function checksumOk(block: Buffer): boolean {
  let stored: number;
  try {
    stored = num(block, 148, 8, 'checksum');
  } catch {
    return false; // garbage in the field: report it as the checksum failure it is
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // Some old tars summed signed chars; accept either, as GNU tar and Go do.
  return stored === unsigned || stored === signed;
}

export function decodeHeader(block: Buffer): RawHeader {
  if (!checksumOk(block)) {
    throw new InvalidParameter('invalid tar header: checksum mismatch (not a tar archive, or corrupted)');
  }
  const magic = block.subarray(257, 263).toString('latin1');
  let name = str(block, 0, 100);
  // POSIX ustar splits long names into prefix + name; GNU's header reuses that
  // area for atime/ctime, so the prefix only counts for "ustar\0".
  if (magic === 'ustar\0') {
    const prefix = str(block, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  const flag = block[156]!;
  return {
    name,
    mode: num(block, 100, 8, 'mode'),
    uid: num(block, 108, 8, 'uid'),
    gid: num(block, 116, 8, 'gid'),
    size: num(block, 124, 12, 'size'),
    mtime: num(block, 136, 12, 'mtime'),
    typeflag: String.fromCharCode(flag),
    linkname: str(block, 157, 100),
    uname: str(block, 265, 32),
    gname: str(block, 297, 32),
    devmajor: num(block, 329, 8, 'devmajor'),
    devminor: num(block, 337, 8, 'devminor'),
  };
}

/**
 * PAX extended header records: `"<len> <key>=<value>\n"`, where len counts the
 * whole record. Values stay raw bytes because xattr values are binary.
 */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    // Trailing NUL padding inside the data is tolerated.
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    const lenText = space === -1 ? '' : data.subarray(pos, space).toString('latin1');
    const len = /^[0-9]+$/.test(lenText) ? parseInt(lenText, 10) : NaN;
    if (!(len > 0) || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      throw new InvalidParameter('invalid tar header: malformed PAX record');
    }
    const record = data.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new InvalidParameter('invalid tar header: malformed PAX record');
    records.set(record.subarray(0, eq).toString('utf8'), Buffer.from(record.subarray(eq + 1)));
    pos += len;
  }
  return records;
}

/** An entry header to write; times in whole seconds, as dockerd writes them. */
export interface HeaderOut {
  name: string;
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Owner names (ustar's uname and gname); empty when not given. */
  uname?: string;
  gname?: string;
  xattrs?: Map<string, Buffer>;
}

/**
 * The header block(s) of one entry: a ustar block, preceded by a PAX `x` header
 * when a value does not fit ustar (long or non-ASCII names, big ids or sizes) or
 * when there are xattrs, whose values are binary.
 */
export function encodeHeaders(h: HeaderOut): Buffer {
  const records: Buffer[] = [];
  const split = splitName(h.name);
  if (split === null) records.push(paxRecord('path', Buffer.from(h.name)));
  const linkOk = h.linkname === undefined || fitsUstar(h.linkname, 100);
  if (!linkOk) records.push(paxRecord('linkpath', Buffer.from(h.linkname!)));
  for (const [key, value, max] of [['uid', h.uid, 0o7777777], ['gid', h.gid, 0o7777777], ['size', h.size, 0o77777777777], ['mtime', h.mtime, 0o77777777777]] as const) {
    if (value < 0 || value > max) records.push(paxRecord(key, Buffer.from(String(value))));
  }
  for (const [k, v] of h.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const ustar = ustarBlock({
    ...h,
    name: split?.name ?? asciiPrefix(h.name, 100),
    prefix: split?.prefix ?? '',
    linkname: linkOk ? (h.linkname ?? '') : asciiPrefix(h.linkname!, 100),
  });
  if (records.length === 0) return ustar;
  const data = Buffer.concat(records);
  const base = asciiPrefix(h.name.replace(/\/+$/, '').split('/').pop() ?? '', 80);
  const paxHeader = ustarBlock({ name: `PaxHeaders/${base}`, prefix: '', typeflag: 'x', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0, linkname: '' });
  return Buffer.concat([paxHeader, data, Buffer.alloc(padding(data.length)), ustar]);
}

/** One PAX record: `"<len> key=value\n"`, len counting itself. */
export function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function fitsUstar(s: string, max: number): boolean {
  return s.length <= max && /^[\x20-\x7e]*$/.test(s);
}

function asciiPrefix(s: string, max: number): string {
  return s.replace(/[^\x20-\x7e]/g, '_').slice(0, max);
}

/** ustar's name/prefix split at a slash, or null when the name cannot be split so. */
function splitName(name: string): { name: string; prefix: string } | null {
  if (!/^[\x20-\x7e]*$/.test(name)) return null;
  if (name.length <= 100) return { name, prefix: '' };
  for (let i = name.indexOf('/'); i !== -1 && i <= 155; i = name.indexOf('/', i + 1)) {
    const rest = name.slice(i + 1);
    if (rest.length > 0 && rest.length <= 100) return { prefix: name.slice(0, i), name: rest };
  }
  return null;
}

function ustarBlock(h: Omit<HeaderOut, 'xattrs'> & { prefix: string; linkname: string }): Buffer {
  const b = Buffer.alloc(BLOCK);
  const oct = (v: number, len: number, off: number): void => {
    const n = v < 0 || v > 8 ** (len - 1) - 1 ? 0 : v; // out of range values went to PAX
    b.write(`${n.toString(8).padStart(len - 1, '0')}\0`, off, len, 'latin1');
  };
  b.write(h.name, 0, 100, 'latin1');
  oct(h.mode & 0o7777777, 8, 100);
  oct(h.uid, 8, 108);
  oct(h.gid, 8, 116);
  oct(h.size, 12, 124);
  oct(h.mtime, 12, 136);
  b.write(h.typeflag, 156, 1, 'latin1');
  b.write(h.linkname, 157, 100, 'latin1');
  b.write('ustar\x0000', 257, 8, 'latin1');
  b.write(asciiPrefix(h.uname ?? '', 32), 265, 32, 'latin1');
  b.write(asciiPrefix(h.gname ?? '', 32), 297, 32, 'latin1');
  oct(h.devmajor ?? 0, 8, 329);
  oct(h.devminor ?? 0, 8, 337);
  b.write(h.prefix, 345, 155, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return b;
}
