import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { goHumanSize, goProgress } from '../../src/builder/format.js';
import { ContextTap, DigestWalker } from '../../src/jobs/build/context-digest.js';
import { maxContextBytes, openContext } from '../../src/jobs/build/context.js';
import { ChunkPark, park } from '../../src/jobs/build/context-park.js';
import { findSources, type SourceRoot } from '../../src/builder/sources.js';
import { encodeHeaders, padding, paxRecord } from '../../src/drivers/graphdriver/archive/tar-header.js';

/**
 * The build context on its way in: the tap's content digests (the shortcut COPY's
 * cache key takes), the archive the docker CLI sends without its end, the size
 * limit, and the progress line of ADD's download.
 */

type Entry = {
  name: string; content?: string | Buffer; type?: 'file' | 'symlink' | 'directory'; linkname?: string;
  mode?: number; uid?: number; gid?: number;
};

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  for (const e of entries) {
    const owner = { ...(e.mode !== undefined ? { mode: e.mode } : {}), uid: e.uid ?? 0, gid: e.gid ?? 0 };
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname!, ...owner });
    else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory', ...owner });
    else pack.entry({ name: e.name, ...owner }, e.content ?? '');
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Run bytes through a tap in pieces of `size` (odd sizes cross every block boundary). */
async function tap(bytes: Buffer, size: number, max = 1 << 30): Promise<{ out: Buffer; tap: ContextTap }> {
  const t = new ContextTap(max);
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  const out: Buffer[] = [];
  t.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => { t.on('end', resolve); t.on('error', reject); });
  Readable.from(pieces).pipe(t);
  await done;
  return { out: Buffer.concat(out), tap: t };
}

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ctx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the tap passes the bytes unchanged and digests every file, whatever the chunking', async () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
  const bytes = await tarOf([
    { name: 'Dockerfile', content: 'FROM busybox\n' }, { name: 'dir', type: 'directory' }, { name: './dir/empty', content: '' },
    { name: long, content: 'long name\n' }, { name: 'big.bin', content: big }, { name: 'dir/empty', content: 'replaced\n' },
  ]);
  for (const size of [7, 512, 65536, bytes.length]) {
    const r = await tap(bytes, size);
    assert.ok(r.out.equals(bytes), `chunks of ${size}`);
    assert.deepEqual(Object.fromEntries(r.tap.digests()!), {
      Dockerfile: { size: 13, digest: sha('FROM busybox\n') },
      // The later entry of the same name wins, as on disk.
      'dir/empty': { size: 9, digest: sha('replaced\n') },
      [long]: { size: 10, digest: sha('long name\n') },
      'big.bin': { size: big.length, digest: sha(big) },
    }, `chunks of ${size}`);
  }
});

test('the tap vouches for nothing after a link, or for bytes that are not a tar', async () => {
  const linked = await tarOf([{ name: 'a', content: 'x' }, { name: 'l', type: 'symlink', linkname: 'a' }, { name: 'b', content: 'y' }]);
  assert.equal((await tap(linked, 100)).tap.digests(), null);
  assert.equal((await tap(Buffer.from('FROM busybox\n'.repeat(100)), 100)).tap.digests(), null);
});

test('the tap refuses a context over its limit', async () => {
  const bytes = await tarOf([{ name: 'blob', content: Buffer.alloc(10_000) }]);
  await assert.rejects(tap(bytes, 1000, 5000), /the build context is larger than the daemon's limit of 5000 bytes \(--max-build-context\)/);
  assert.equal(maxContextBytes(1234), 1234);
  const prev = process.env['BERTH_MAX_BUILD_CONTEXT'];
  try {
    process.env['BERTH_MAX_BUILD_CONTEXT'] = '4321';
    assert.equal(maxContextBytes(0), 4321);
    assert.equal(maxContextBytes(99), 99);
    delete process.env['BERTH_MAX_BUILD_CONTEXT'];
    assert.equal(maxContextBytes(0), 8 * 1024 ** 3);
  } finally {
    if (prev === undefined) delete process.env['BERTH_MAX_BUILD_CONTEXT'];
    else process.env['BERTH_MAX_BUILD_CONTEXT'] = prev;
  }
});

test('a context that ends right after its last file (the CLI\'s -f -) opens; one cut inside the padding does not', async (t) => {
  const dockerfile = 'FROM busybox\nCOPY a.txt /\n';
  const full = await tarOf([{ name: 'a.txt', content: 'a\n' }, { name: '.dockerfile.x', content: dockerfile }]);
  // Header, data block, header, then the Dockerfile's bytes and nothing more.
  const cut = full.subarray(0, 3 * 512 + dockerfile.length);
  const dir = scratch(t);
  const ctx = await openContext(Readable.from([cut]), dir, '.dockerfile.x', 1 << 20, new AbortController().signal);
  assert.equal(ctx.dockerfile, dockerfile);
  // A plain context waits in memory until a step needs its files.
  assert.ok(ctx.view && ctx.materialize);
  await ctx.materialize();
  assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'a\n');
  assert.equal(ctx.digests?.get('a.txt')?.digest, sha('a\n'));
  await assert.rejects(openContext(Readable.from([full.subarray(0, 3 * 512 + 100)]), scratch(t), '.dockerfile.x', 1 << 20, new AbortController().signal),
    /unexpected end of archive/);
});

/** What findSources says for each pattern: the sources' paths, lstat fields and hashes, or its error (a directory's size is the filesystem's own). */
async function sourcesOf(root: SourceRoot, patterns: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of patterns) {
    try {
      const found = await findSources(root, [p]);
      out.push(`${p}: ${found.map((s) => `${s.rel} ${s.stat.mode.toString(8)} ${s.stat.uid}:${s.stat.gid} ${s.stat.isFile() ? s.stat.size : '-'} ${s.stat.isFile()}${s.stat.isDirectory()}${s.stat.isSymbolicLink()} ${s.hash}`).join(', ')}`);
    } catch (err) {
      out.push(`${p}: ${(err as Error).constructor.name} ${(err as Error).message}`);
    }
  }
  return out;
}

test('a plain context is left in memory, and its headers give COPY the keys its extracted files give', async (t) => {
  const bytes = await tarOf([
    { name: 'Dockerfile', content: 'FROM busybox\nCOPY . /\n' },
    { name: '.dockerignore', content: 'src/sub/ignored*\n' },
    { name: 'top.txt', content: 'top\n', mode: 0o4755, uid: 7, gid: 8 },
    { name: 'src', type: 'directory', mode: 0o750, uid: 1000, gid: 1001 },
    { name: 'src/a.txt', content: 'a\n', mode: 0o640, uid: 1, gid: 2 },
    { name: 'src/b.txt', content: 'b\n' },
    { name: 'src/sub', type: 'directory', mode: 0o2755 },
    { name: 'src/sub/c.bin', content: Buffer.alloc(70_000, 3) },
    { name: 'src/sub/ignored.txt', content: 'not sent by a CLI, excluded all the same\n' },
    { name: 'empty', type: 'directory', mode: 0o700 },
  ]);
  const patterns = [
    '.', '', 'src', 'src/', './src/a.txt', 'top.txt', 'src/*.txt', '*/sub', 's?c/sub/*', 'src/sub/../a.txt', '../../top.txt',
    'missing', 'src/missing/x', 'top.txt/x', 'src/a.txt/', 'src/sub/ignored.txt', 'empty', '*', '[st]*',
  ];
  const dir = scratch(t);
  // In pieces of 1000 bytes: the socket's chunks never line up with the entries either.
  const pieces = [];
  for (let i = 0; i < bytes.length; i += 1000) pieces.push(bytes.subarray(i, i + 1000));
  const ctx = await openContext(Readable.from(pieces), dir, '', 1 << 30, new AbortController().signal);
  assert.equal(ctx.dockerfile, 'FROM busybox\nCOPY . /\n');
  assert.ok(ctx.view && ctx.materialize, 'a plain context gets a view');
  assert.deepEqual(readdirSync(dir), [], 'nothing is written before a step needs it');
  const fromView = await sourcesOf({ dir, ignore: ctx.ignore, view: ctx.view }, patterns);
  await ctx.materialize();
  await ctx.materialize();
  const fromDisk = await sourcesOf({ dir, ignore: ctx.ignore }, patterns);
  assert.deepEqual(fromView, fromDisk);
  // The keys mean something: owners, modes and content are in them.
  assert.match(fromDisk.find((l) => l.startsWith('top.txt:'))!, /top.txt 104755 7:8 4 /);
  assert.match(fromDisk.find((l) => l.startsWith('missing:'))!, /SourceMissing stat missing: file does not exist/);
  assert.equal(readFileSync(join(dir, 'src/sub/c.bin')).length, 70_000);
});

test('a context made by `tar -C dir -cf - .` (the root entry first, names under ./) is left in memory too', async (t) => {
  const bytes = await tarOf([
    { name: './', type: 'directory', mode: 0o711, uid: 5, gid: 6 },
    { name: './Dockerfile', content: 'FROM busybox\nCOPY . /\n' },
    { name: './sub', type: 'directory', mode: 0o750 },
    { name: './sub/f.txt', content: 'f\n', mode: 0o600, uid: 3, gid: 4 },
  ]);
  const dir = scratch(t);
  const ctx = await openContext(Readable.from([bytes]), dir, '', 1 << 30, new AbortController().signal);
  assert.ok(ctx.view && ctx.materialize, 'the root entry alone does not force an extraction');
  const patterns = ['.', 'sub', 'sub/f.txt', '*'];
  const fromView = await sourcesOf({ dir, ignore: ctx.ignore, view: ctx.view }, patterns);
  await ctx.materialize();
  assert.deepEqual(fromView, await sourcesOf({ dir, ignore: ctx.ignore }, patterns));
  assert.equal((await ctx.view.lstat('')).mode & 0o7777, 0o711);
});

test('a context with links, a name given twice or bytes the extractor refuses is extracted at once, with its errors', async (t) => {
  const linked = await tarOf([{ name: 'Dockerfile', content: 'FROM busybox\n' }, { name: 'l', type: 'symlink', linkname: 'Dockerfile' }]);
  const dir = scratch(t);
  const ctx = await openContext(Readable.from([linked]), dir, 'l', 1 << 30, new AbortController().signal);
  assert.equal(ctx.view, null);
  assert.equal(ctx.dockerfile, 'FROM busybox\n', 'read through the link, on disk');
  const twice = await tarOf([{ name: 'Dockerfile', content: 'FROM one\n' }, { name: 'Dockerfile', content: 'FROM two\n' }]);
  const again = await openContext(Readable.from([twice]), scratch(t), '', 1 << 30, new AbortController().signal);
  assert.equal(again.view, null);
  assert.equal(again.dockerfile, 'FROM two\n');
  const escaping = await tarOf([{ name: 'Dockerfile', content: 'FROM busybox\n' }, { name: '../../etc/x', content: 'x' }]);
  await assert.rejects(openContext(Readable.from([escaping]), scratch(t), '', 1 << 30, new AbortController().signal), /escapes the destination/);
  const under = await tarOf([{ name: 'Dockerfile', content: 'FROM busybox\n' }, { name: 'Dockerfile/x', content: 'x' }]);
  await assert.rejects(openContext(Readable.from([under]), scratch(t), '', 1 << 30, new AbortController().signal), /failed to extract "Dockerfile\/x"/);
});

/** A raw archive: a Dockerfile, then `between`, then `tail` (the end marker, or what a test puts there). */
function rawTar(between: Buffer[], tail: Buffer = Buffer.alloc(2 * 512)): Buffer {
  const file = (name: string, content: Buffer): Buffer[] => [
    encodeHeaders({ name, typeflag: '0', mode: 0o644, uid: 0, gid: 0, size: content.length, mtime: 0 }), content, Buffer.alloc(padding(content.length)),
  ];
  return Buffer.concat([...file('Dockerfile', Buffer.from('FROM busybox\n')), ...between, tail]);
}

test('bytes the extractor\'s reader refuses are refused as before, never taken for a plain context', async (t) => {
  const open = (bytes: Buffer): Promise<unknown> => openContext(Readable.from([bytes]), scratch(t), '', 1 << 20, new AbortController().signal);
  // Data after a lone zero block.
  const junk = Buffer.alloc(512, 0x41);
  await assert.rejects(open(rawTar([], Buffer.concat([Buffer.alloc(512), junk]))), /data after a single zero block/);
  // A PAX uid that is not a number.
  const data = paxRecord('uid', Buffer.from('12x'));
  const pax = [encodeHeaders({ name: 'PaxHeaders/a', typeflag: 'x', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0 }), data, Buffer.alloc(padding(data.length))];
  const a = [encodeHeaders({ name: 'a', typeflag: '0', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 })];
  await assert.rejects(open(rawTar([...pax, ...a])), /PAX uid "12x" is not a number/);
  // A FIFO.
  const fifo = [encodeHeaders({ name: 'p', typeflag: '6', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 })];
  await assert.rejects(open(rawTar(fifo)), /device node "p" is not allowed/);
  // And a plain one, ending after a single zero block, is fine.
  const ok = await openContext(Readable.from([rawTar(a, Buffer.alloc(512))]), scratch(t), '', 1 << 20, new AbortController().signal);
  assert.ok(ok.view);
  assert.equal((await ok.view.lstat('a')).size, 0);
});

test('a context larger than the memory it may take is extracted while it arrives; one over the limit is refused', async (t) => {
  const big = Buffer.alloc(300_000, 5);
  const bytes = await tarOf([{ name: 'Dockerfile', content: 'FROM busybox\n' }, { name: 'big.bin', content: big }, { name: 'after.txt', content: 'after\n' }]);
  const pieces = [];
  for (let i = 0; i < bytes.length; i += 4096) pieces.push(bytes.subarray(i, i + 4096));
  const dir = scratch(t);
  const ctx = await openContext(Readable.from(pieces), dir, '', 1 << 30, new AbortController().signal, 100_000);
  assert.equal(ctx.view, null);
  assert.equal(ctx.dockerfile, 'FROM busybox\n');
  assert.ok(readFileSync(join(dir, 'big.bin')).equals(big));
  assert.equal(ctx.digests?.get('after.txt')?.digest, sha('after\n'));
  await assert.rejects(openContext(Readable.from(pieces), scratch(t), '', 200_000, new AbortController().signal, 100_000),
    /the build context is larger than the daemon's limit of 200000 bytes/);
  await assert.rejects(openContext(Readable.from(pieces), scratch(t), '', 200_000, new AbortController().signal),
    /the build context is larger than the daemon's limit of 200000 bytes/);
});

test('a gzip context opens too; a body that is no tar is refused in Go\'s tar words, an empty one is an empty context', async (t) => {
  const bytes = await tarOf([{ name: 'Dockerfile', content: 'FROM busybox\nCOPY a /\n' }, { name: 'a', content: 'a\n' }]);
  const zipped = gzipSync(bytes);
  const ctx = await openContext(Readable.from([zipped.subarray(0, 3), zipped.subarray(3)]), scratch(t), '', 1 << 20, new AbortController().signal);
  assert.equal(ctx.dockerfile, 'FROM busybox\nCOPY a /\n');
  assert.equal(ctx.digests?.get('a')?.digest, sha('a\n'));
  // dockerd reads every body as a tar: clients wrap a Dockerfile sent alone.
  const never = new AbortController().signal;
  await assert.rejects(openContext(Readable.from([Buffer.from('FROM busybox\n'), Buffer.from('RUN true\n')]), scratch(t), '', 1 << 20, never),
    (e: Error) => e.message === 'unexpected EOF');
  await assert.rejects(openContext(Readable.from([Buffer.alloc(3000, 0x41)]), scratch(t), '', 1 << 20, never), (e: Error) => e.message === 'archive/tar: invalid tar header');
  await assert.rejects(openContext(Readable.from([]), scratch(t), '', 1 << 20, never), (e: Error) => e.message === 'Cannot locate specified Dockerfile: Dockerfile');
  const big = await tarOf([{ name: 'Dockerfile', content: 'FROM busybox\n' }, { name: 'a', content: 'a'.repeat(3000) }]);
  await assert.rejects(openContext(Readable.from([big]), scratch(t), '', 1000, never), /larger than the daemon's limit of 1000 bytes/);
  // A Dockerfile named out of the context: dockerd's words.
  await assert.rejects(openContext(Readable.from([bytes]), scratch(t), '../x', 1 << 20, new AbortController().signal),
    (e: Error) => e.message === 'forbidden path outside the build context: ../x ()');
});

/** `bytes` in pieces of `size`, each in memory of its own (as the HTTP parser hands them out), so parking really moves them. */
function ownPieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const piece = bytes.subarray(i, i + size);
    const own = Buffer.allocUnsafeSlow(piece.length);
    piece.copy(own);
    out.push(own);
  }
  return out;
}

test('a context parked while it arrives reads and extracts the same: blocks and PAX records cut by a chunk survive its move', async (t) => {
  const big = Buffer.alloc(2_500_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const long = `${'deep/'.repeat(30)}name.txt`;
  const bytes = await tarOf([
    { name: 'Dockerfile', content: 'FROM busybox\nCOPY . /\n' },
    { name: 'big.bin', content: big },
    { name: 'deep', type: 'directory' },
    ...Array.from({ length: 29 }, (_, i) => ({ name: `${'deep/'.repeat(i + 2)}`.slice(0, -1), type: 'directory' as const })),
    { name: long, content: 'at the end of a long name\n', uid: 70000, gid: 7 },
    { name: 'z.txt', content: 'last\n' },
  ]);
  // Each piece parked as soon as it is walked: whatever the walk keeps of one must be its own.
  const walker = new DigestWalker(new Set(['Dockerfile']));
  const parkEach = new ChunkPark(1);
  for (const piece of ownPieces(bytes, 301)) {
    walker.write(piece);
    parkEach.add(piece);
  }
  assert.ok(walker.plain());
  assert.equal(walker.digests.get('big.bin')?.digest, sha(big));
  assert.equal(walker.digests.get(long)?.digest, sha('at the end of a long name\n'));
  assert.equal(Buffer.concat(walker.kept.get('Dockerfile')!).toString(), 'FROM busybox\nCOPY . /\n');
  assert.ok(Buffer.concat(parkEach.take()).equals(bytes));
  const dir = scratch(t);
  // 3001-byte pieces: headers, PAX records and contents all straddle them, and batches of
  // a MiB move while the walk still holds a part of a block.
  const ctx = await openContext(Readable.from(ownPieces(bytes, 3001)), dir, '', 1 << 30, new AbortController().signal);
  assert.equal(ctx.dockerfile, 'FROM busybox\nCOPY . /\n');
  assert.ok(ctx.view && ctx.materialize);
  assert.equal(ctx.digests?.get('big.bin')?.digest, sha(big));
  assert.equal(ctx.digests?.get(long)?.digest, sha('at the end of a long name\n'));
  assert.equal((await ctx.view.lstat(long)).uid, 70000);
  await ctx.materialize();
  assert.ok(readFileSync(join(dir, 'big.bin')).equals(big));
  assert.equal(readFileSync(join(dir, long), 'utf8'), 'at the end of a long name\n');
  assert.equal(readFileSync(join(dir, 'z.txt'), 'utf8'), 'last\n');
  await ctx.release();
});

test('a context left in memory answers before its directory exists once one like it was seen', async (t) => {
  const bytes = await tarOf([{ name: 'Dockerfile', content: 'FROM busybox\n' }, { name: 'a', content: 'a\n' }]);
  const parent = scratch(t);
  const first = join(parent, 'one');
  mkdirSync(first, { mode: 0o700 });
  const seen = await openContext(Readable.from(ownPieces(bytes, 700)), first, '', 1 << 30, new AbortController().signal, undefined, parent);
  // The next one's directory is not there yet: the view does not wait for it.
  let make!: (d: string) => void;
  const later = new Promise<string>((resolve) => { make = resolve; });
  const ctx = await openContext(Readable.from(ownPieces(bytes, 700)), later, '', 1 << 30, new AbortController().signal, undefined, parent);
  assert.deepEqual(await ctx.view!.lstat(''), await seen.view!.lstat(''));
  assert.equal(ctx.digests?.get('a')?.digest, sha('a\n'));
  const second = join(parent, 'two');
  mkdirSync(second, { mode: 0o700 });
  const extracted = ctx.materialize!();
  make(second);
  await extracted;
  assert.equal(readFileSync(join(second, 'a'), 'utf8'), 'a\n');
  await seen.release();
  await ctx.release();
});

test('parked chunks come back whole and in order, shared or not', () => {
  const whole = Buffer.from('0123456789abcdef');
  const own = Buffer.allocUnsafeSlow(5);
  own.write('owned');
  const chunks = [whole.subarray(0, 4), whole.subarray(4, 10), own, Buffer.from('pooled'), whole.subarray(10)];
  const expected = Buffer.concat(chunks);
  const parked = park(chunks)!;
  assert.ok(parked);
  assert.equal(chunks.length, 0, 'the caller keeps nothing');
  const back = parked.take();
  assert.ok(Buffer.concat(back).equals(expected));
  assert.throws(() => parked.take(), /taken already/);
  parked.drop();
  const dropped = park([Buffer.from('x')])!;
  dropped.drop();
  assert.throws(() => dropped.take(), /gone/);
});

test('ADD\'s download progress is drawn as dockerd draws it server-side', () => {
  assert.equal(goProgress(7, 7), '[==================================================>]       7B/7B');
  assert.equal(goProgress(32768, 3_000_000), '[>                                                  ]  32.77kB/3MB');
  assert.equal(goProgress(545_792, 3_000_000), '[=========>                                         ]  545.8kB/3MB');
  assert.equal(goProgress(1234, -1), ' 1.234kB');
  assert.equal(goHumanSize(20_000_000), '20MB');
});
