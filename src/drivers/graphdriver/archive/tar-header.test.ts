// The header codec: what we write, GNU tar and our reader both read the same way;
// odd but valid encodings (base-256, signed checksums) are accepted; malformed ones are not.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { BLOCK, decodeHeader, encodeHeaders, num, parsePax, type HeaderOut } from './tar-header.js';
import { TarReader } from './tar-reader.js';
import { EOF, header, stream } from './test-util.js';

const base: HeaderOut = { name: 'x', typeflag: '0', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1_600_000_000 };

async function readAll(tar: Buffer) {
  const r = new TarReader(stream(tar));
  const out = [];
  for (let e = await r.next(); e; e = await r.next()) out.push(e);
  return out;
}

test('names that fit ustar stay in the block; longer or non-ASCII ones go to PAX', async () => {
  const names = ['bin/sh', 'a'.repeat(100), `${'p'.repeat(150)}/${'n'.repeat(100)}`, 'q'.repeat(300), 'dir/naïve-名前', 'd/'];
  for (const name of names) {
    const enc = encodeHeaders({ ...base, name });
    const expectPax = name.length > 255 || /[^\x20-\x7e]/.test(name);
    assert.equal(enc.length > BLOCK, expectPax, name);
    const [e] = await readAll(Buffer.concat([enc, EOF]));
    assert.equal(e!.name, name);
  }
  const all = Buffer.concat([...names.map((name) => encodeHeaders({ ...base, name })), EOF]);
  assert.deepEqual(execFileSync('tar', ['-t'], { input: all }).toString().trim().split('\n'), names);
});

test('mode 0, big ids, binary xattrs and long link targets survive', async () => {
  const xattrs = new Map([['user.bin', Buffer.from([0, 0xff, 10, 32, 61])], ['security.capability', Buffer.from([1, 2, 3])]]);
  const enc = encodeHeaders({ ...base, name: 'l', typeflag: '2', mode: 0, uid: 100_000_000, gid: 3_000_000, linkname: 't'.repeat(200), xattrs });
  const [e] = await readAll(Buffer.concat([enc, EOF]));
  assert.equal(e!.mode, 0);
  assert.equal(e!.uid, 100_000_000);
  assert.equal(e!.gid, 3_000_000);
  assert.equal(e!.linkname, 't'.repeat(200));
  assert.deepEqual(e!.xattrs, xattrs);
  const listing = execFileSync('tar', ['-tv', '--numeric-owner'], { input: Buffer.concat([enc, EOF]) }).toString();
  assert.match(listing, /^l--------- 100000000\/3000000 .* l -> t{200}\n$/);
});

test('base-256 numbers and signed checksums are read as GNU tar writes them', () => {
  const field = Buffer.alloc(12);
  field[0] = 0x80;
  field.writeUIntBE(9_000_000_000, 6, 6);
  assert.equal(num(field, 0, 12, 'size'), 9_000_000_000);
  assert.equal(num(Buffer.from('0000644 \0'), 0, 8, 'mode'), 0o644);
  assert.throws(() => num(Buffer.from('12x4\0'), 0, 5, 'mode'), /mode field is not an octal number/);
  // A header with a high-bit byte whose checksum was summed as signed chars.
  const h = header({ name: 'x\xe9' });
  h.write('x\xe9', 0, 'latin1');
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) signed += i >= 148 && i < 156 ? 32 : h[i]! > 127 ? h[i]! - 256 : h[i]!;
  h.write(`${signed.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  assert.equal(decodeHeader(h).size, 0);
});

test('malformed PAX records are refused', () => {
  assert.deepEqual([...parsePax(Buffer.from('11 path=ab\n'))].map(([k, v]) => [k, v.toString()]), [['path', 'ab']]);
  for (const bad of ['99 path=ab\n', 'x path=ab\n', '10 pathab\n', '11 path=abX']) {
    assert.throws(() => parsePax(Buffer.from(bad)), /malformed PAX record/, bad);
  }
});
