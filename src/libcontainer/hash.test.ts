import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sha256Stream } from './native.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('sha256Stream gives the digest a synchronous hash gives, however the bytes are cut', async () => {
  const data = randomBytes(5 * 1024 * 1024 + 17);
  for (const size of [1, 511, 16 << 10, 64 << 10, 3 << 20, data.length]) {
    // Single bytes only over a prefix: millions of chunks would just be slow.
    const bytes = size === 1 ? data.subarray(0, 20_000) : data;
    const h = sha256Stream();
    for (let i = 0; i < bytes.length; i += size) h.update(bytes.subarray(i, i + size));
    assert.equal(await h.digest(), sha256(bytes), `chunks of ${size}`);
  }
  assert.equal(await sha256Stream().digest(), sha256(Buffer.alloc(0)));
});

test('sha256Stream keeps order across batches that run while more arrives, and several hashes run at once', async () => {
  const parts = Array.from({ length: 40 }, (_, i) => randomBytes(100_000 + i));
  const hashes = [sha256Stream(), sha256Stream(), sha256Stream()];
  for (const [i, p] of parts.entries()) {
    for (const h of hashes) h.update(p);
    // Let tasks start and finish between updates.
    if (i % 7 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  const want = sha256(Buffer.concat(parts));
  assert.deepEqual(await Promise.all(hashes.map((h) => h.digest())), [want, want, want]);
});

test('sha256Stream refuses what is not a Buffer, and updates or a second digest after the digest', async () => {
  const h = sha256Stream();
  assert.throws(() => h.update('text' as unknown as Buffer), /a Buffer is required/);
  h.update(Buffer.from('abc'));
  const d = h.digest();
  assert.throws(() => h.update(Buffer.from('x')), /update after digest/);
  assert.throws(() => h.digest(), /digest already asked for/);
  assert.equal(await d, sha256(Buffer.from('abc')));
});
