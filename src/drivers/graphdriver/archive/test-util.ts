// Helpers shared by this folder's tests: temp dirs that clean up after themselves,
// tars built with tar-stream or block by block, and a listing of what exists.
import { mkdtemp, readdir, lstat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import tarStream, { type Header } from 'tar-stream';

/** A fresh `/tmp/berth-test-archive-*` dir, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-test-archive-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export type PackEntry = Partial<Header> & { name: string; content?: Buffer | string };

/** A tar built by tar-stream from `entries`. */
export async function packTar(entries: PackEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const out = collect(pack);
  for (const { content, ...h } of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      const hdr = { mtime: new Date(1_600_000_000_000), ...h };
      if (content === undefined) pack.entry(hdr, cb);
      else pack.entry(hdr, Buffer.from(content), cb);
    });
  }
  pack.finalize();
  return out;
}

export async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** One raw header block, for archives tar-stream would not write (bad checksums, PAX binary values...). */
export function header(h: { name: string; type?: string; size?: number; mode?: number; linkname?: string; uid?: number; gid?: number; mtime?: number; devmajor?: number; devminor?: number }): Buffer {
  const b = Buffer.alloc(512);
  const oct = (v: number, len: number, off: number) => b.write(`${v.toString(8).padStart(len - 1, '0')}\0`, off, 'latin1');
  b.write(h.name, 0, 100, 'utf8');
  oct(h.mode ?? 0o644, 8, 100);
  oct(h.uid ?? 0, 8, 108);
  oct(h.gid ?? 0, 8, 116);
  oct(h.size ?? 0, 12, 124);
  oct(h.mtime ?? 1_600_000_000, 12, 136);
  b.write(h.type ?? '0', 156, 'latin1');
  b.write(h.linkname ?? '', 157, 100, 'utf8');
  b.write('ustar\x0000', 257, 'latin1');
  oct(h.devmajor ?? 0, 8, 329);
  oct(h.devminor ?? 0, 8, 337);
  b.write('        ', 148, 'latin1');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** Entry data padded to a block. */
export function data(content: Buffer | string): Buffer {
  const c = Buffer.from(content);
  return Buffer.concat([c, Buffer.alloc((512 - (c.length % 512)) % 512)]);
}

/** A PAX record set as an `x` header plus data. */
export function pax(records: [string, Buffer | string][]): Buffer {
  const parts = records.map(([k, v]) => {
    const body = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    return Buffer.concat([Buffer.from(String(len)), body]);
  });
  const d = Buffer.concat(parts);
  return Buffer.concat([header({ name: 'PaxHeader', type: 'x', size: d.length }), data(d)]);
}

export const EOF = Buffer.alloc(1024);

export function stream(b: Buffer): Readable {
  // Small chunks exercise block reassembly across reads.
  const chunks: Buffer[] = [];
  for (let i = 0; i < b.length; i += 333) chunks.push(b.subarray(i, i + 333));
  return Readable.from(chunks);
}

/** Every path under `dir` (relative), symlinks not followed. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const n of (await readdir(path.join(dir, rel))).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      out.push(r);
      if ((await lstat(path.join(dir, r))).isDirectory()) await walk(r);
    }
  }
  await walk('');
  return out;
}

export async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
