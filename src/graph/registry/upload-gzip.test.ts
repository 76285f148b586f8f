import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GZIP_BLOCK, gzipBlocks } from './upload-gzip.js';
import { storedMember } from './stored-gzip.js';

async function compress(input: Buffer, chunk: number): Promise<Buffer> {
  async function* pieces(): AsyncGenerator<Buffer> {
    for (let i = 0; i < input.length; i += chunk) yield input.subarray(i, i + chunk);
  }
  const out: Buffer[] = [];
  for await (const b of gzipBlocks(pieces())) out.push(b);
  return Buffer.concat(out);
}

const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('gzipBlocks: members that gunzip back whole, the same bytes however the input is cut', async () => {
  // Text that compresses, random bytes that do not (stored), and a partial last block.
  const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(60_000));
  const input = Buffer.concat([text, randomBytes(GZIP_BLOCK + 12345), text.subarray(0, 1000)]);
  const a = await compress(input, 65536);
  const b = await compress(input, 777);
  const c = await compress(input, input.length);
  assert.equal(digest(a), digest(b));
  assert.equal(digest(a), digest(c));
  assert.ok(gunzipSync(a).equals(input));
  // Several members, each with its own gzip header.
  assert.ok(a.indexOf(Buffer.from([0x1f, 0x8b, 0x08]), 10) > 0);
  assert.ok(a.length < input.length, 'the text compressed');
  // Random data is stored: barely larger than it was.
  const r = randomBytes(3 * GZIP_BLOCK);
  const stored = await compress(r, 65536);
  assert.ok(stored.length < r.length * 1.01);
  assert.ok(gunzipSync(stored).equals(r));
});

test('gzipBlocks: an empty input is one empty gzip member', async () => {
  const out = await compress(Buffer.alloc(0), 1);
  assert.ok(out.length > 0);
  assert.equal(gunzipSync(out).length, 0);
});

test('gzipBlocks: a failing source fails the output', async () => {
  async function* broken(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(GZIP_BLOCK * 2);
    throw new Error('tar broke');
  }
  await assert.rejects(async () => { for await (const _ of gzipBlocks(broken())) { /* drain */ } }, /tar broke/);
});

test('storedMember: a valid gzip member over pieces of any size, read back by zlib and by gzip(1)', () => {
  for (const size of [1, 65535, 65536, 3 * 65535 + 7, GZIP_BLOCK]) {
    const data = randomBytes(size);
    // Pieces that cross the 65535-byte stored blocks at odd places, an empty one among them.
    const cuts = [0, 1, 1, 4000, 70000, 140000, size].filter((c) => c <= size);
    const parts = cuts.slice(1).map((c, i) => data.subarray(cuts[i]!, c));
    const member = Buffer.concat(storedMember(parts, size));
    assert.ok(gunzipSync(member).equals(data), `size ${size}`);
    assert.equal(member.length, size + 18 + 5 * Math.ceil(size / 65535));
    assert.ok(Buffer.concat(storedMember([data], size)).equals(member), 'the same bytes however the input is cut');
    const out = execFileSync('gzip', ['-dc'], { input: Buffer.concat([member, member]), maxBuffer: 4 * size + 1024 });
    assert.ok(out.equals(Buffer.concat([data, data])), `gzip(1) reads two members of size ${size}`);
  }
});
