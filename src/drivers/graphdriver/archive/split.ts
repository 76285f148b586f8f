import { once } from 'node:events';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { InvalidParameter, System } from '../../../engine/errors.js';
import { cleanName, resolveEntry } from './confine.js';

/*
 * Tar-split: what it takes to rebuild a layer tar byte for byte from its extracted
 * files, so `save`/`push` reproduce the diffID of what was pulled or loaded. The
 * format is gzipped JSON lines, each one of:
 *
 *   {"r":"<base64>"}         raw archive bytes (headers, extension data, padding,
 *                            end-of-archive blocks, trailing bytes, any data not
 *                            extracted as a file)
 *   {"f":"<path>","s":<n>}   n bytes of content read back from the file at <path>,
 *                            relative to the layer root, as it was extracted
 *   {"x":"<reason>"}         the record cannot be replayed (see below)
 *
 * Raw bytes are coalesced up to RAW_CHUNK per line.
 *
 * Like dockerd's tar-split, replay relies on the files staying as extracted. A tar
 * that writes the same path twice, or removes a file it wrote earlier, recorded
 * content that is no longer on disk: the applier reports that (`rewritten`), an
 * `x` line is recorded, and replay fails there instead of producing other bytes.
 */

const RAW_CHUNK = 64 * 1024;

type Line = { r: string } | { f: string; s: number } | { x: string };

/** Records an archive as it is being extracted. */
export class SplitWriter {
  private raw: Buffer[] = [];
  private rawBytes = 0;
  private readonly gz = createGzip();
  private readonly done: Promise<void>;
  private failed: unknown;
  /** Paths recorded as `f` lines, to notice when the same tar later replaces one. */
  private readonly files = new Set<string>();
  private broken = false;

  constructor(out: Writable) {
    this.done = pipeline(this.gz, out).catch((err: unknown) => {
      this.failed = err;
    });
  }

  addRaw(chunk: Buffer): void {
    this.raw.push(chunk);
    this.rawBytes += chunk.length;
    if (this.rawBytes >= RAW_CHUNK) this.flushRaw();
  }

  addFile(rel: string, size: number): void {
    this.flushRaw();
    this.write({ f: rel, s: size });
    this.files.add(rel);
  }

  /** The applier is about to remove or replace `rel` (and what is under it). */
  rewritten(rel: string): void {
    if (this.broken || this.files.size === 0) return;
    const under = `${rel}/`;
    for (const f of this.files) {
      if (f === rel || rel === '' || f.startsWith(under)) {
        this.flushRaw();
        this.write({ x: `${JSON.stringify(f)} was replaced later in the same archive; its first content is gone` });
        this.broken = true;
        return;
      }
    }
  }

  /** Wait while the output is backed up, so a slow sink bounds memory. */
  async settle(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.gz.writableNeedDrain) await once(this.gz, 'drain');
  }

  async end(): Promise<void> {
    this.flushRaw();
    this.gz.end();
    await this.done;
    if (this.failed) throw this.failed;
  }

  abort(err: unknown): void {
    this.gz.destroy(err instanceof Error ? err : new Error(String(err)));
  }

  private flushRaw(): void {
    if (this.rawBytes === 0) return;
    this.write({ r: Buffer.concat(this.raw, this.rawBytes).toString('base64') });
    this.raw = [];
    this.rawBytes = 0;
  }

  private write(line: Line): void {
    this.gz.write(`${JSON.stringify(line)}\n`);
  }
}

/** Replay a tar-split record against the extracted files of `root`: the original tar. */
export function assembleTar(root: string, split: Readable): Readable {
  return Readable.from(assemble(root, split), { objectMode: false });
}

async function* assemble(root: string, split: Readable): AsyncGenerator<Buffer> {
  const lines = createInterface({ input: split.pipe(createGunzip()), crlfDelay: Infinity });
  for await (const text of lines) {
    if (text === '') continue;
    const line = JSON.parse(text) as Partial<{ r: string; f: string; s: number; x: string }>;
    if (typeof line.x === 'string') throw new System(`tar-split: this layer's tar cannot be reproduced: ${line.x}`);
    if (typeof line.r === 'string') {
      yield Buffer.from(line.r, 'base64');
    } else if (typeof line.f === 'string' && typeof line.s === 'number') {
      yield* fileContent(root, line.f, line.s);
    } else {
      throw new InvalidParameter(`invalid tar-split record: ${text.slice(0, 80)}`);
    }
  }
}

async function* fileContent(root: string, rel: string, size: number): AsyncGenerator<Buffer> {
  if (size === 0) return;
  // The record is read from disk: resolve it confined, and never through a symlink.
  const target = path.join(root, await resolveEntry(root, cleanName(rel)));
  const fh = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: unknown) => {
    // Replay needs every recorded file as extracted; a later change to the layer breaks it.
    throw new System(`tar-split: cannot read ${JSON.stringify(rel)} back from the layer: ${(err as Error).message}`, { cause: err });
  });
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(left, 1 << 20));
      const { bytesRead } = await fh.read(buf, 0, buf.length, size - left);
      if (bytesRead === 0) {
        throw new InvalidParameter(`tar-split: file ${JSON.stringify(rel)} is shorter than the ${size} bytes recorded`);
      }
      left -= bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
