import { spawn } from 'node:child_process';
import { Readable, PassThrough } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidParameter } from '../../engine/errors.js';

/**
 * Tars from outside (load, import, layers inside an archive) may come compressed;
 * dockerd sniffs the magic bytes and decompresses, and so do we. gzip is done in
 * process (zlib); bzip2, xz and zstd through the host's tools, as dockerd 20.10 does
 * for the ones Go lacks, only when such input actually arrives.
 */
export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

const magics: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b, 0x08]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

export function detectCompression(head: Buffer): Compression {
  for (const [kind, magic] of magics) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return kind;
  }
  return 'none';
}

/** Read up to `n` bytes from the start of `stream` and put them back. */
export async function peek(stream: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      have += chunk.length;
      continue;
    }
    if (stream.readableEnded || stream.destroyed) break;
    const more = await new Promise<boolean>((resolve, reject) => {
      const done = (v: boolean) => { cleanup(); resolve(v); };
      const onReadable = () => done(true);
      const onEnd = () => done(false);
      const onError = (err: Error) => { cleanup(); reject(err); };
      const cleanup = () => {
        stream.off('readable', onReadable).off('end', onEnd).off('close', onEnd).off('error', onError);
      };
      stream.on('readable', onReadable).on('end', onEnd).on('close', onEnd).on('error', onError);
    });
    if (!more) break;
  }
  const head = Buffer.concat(chunks);
  if (head.length > 0) stream.unshift(head);
  return head.subarray(0, n);
}

/** Output piece size of in-process gunzip. */
const GUNZIP_CHUNK = 256 << 10;

/** `input` decompressed if its magic says so, else `input` itself. */
export async function decompress(input: Readable): Promise<Readable> {
  const magic = await peek(input, 6);
  const kind = detectCompression(magic);
  switch (kind) {
    case 'none':
      // A stream shorter than the peek has ended, and its bytes could not be put
      // back: hand them on in a stream of their own.
      return input.readableEnded ? Readable.from(magic.length > 0 ? [magic] : []) : input;
    case 'gzip': {
      // zlib's errors carry a `code` like system errors do; a corrupt stream is the
      // sender's fault, so it surfaces as a 400.
      // zlib's default 16 KiB output pieces cost a thread-pool trip each (and a
      // callback, and a write downstream): a 200 MB layer made 12,800 of them.
      const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
      const out = new PassThrough();
      input.on('error', (err) => out.destroy(err));
      gunzip.on('error', (err) => out.destroy(new InvalidParameter(`invalid gzip data: ${err.message}`)));
      out.on('close', () => { if (!gunzip.destroyed) gunzip.destroy(); });
      // The error may come before the consumer attaches; it stays on `out` (errored)
      // for pipeline/for-await to find, instead of crashing the process meanwhile.
      out.on('error', () => {});
      return input.pipe(gunzip).pipe(out);
    }
    default:
      return external(kind, input);
  }
}

const tools: Record<Exclude<Compression, 'none' | 'gzip'>, string> = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd' };

function external(kind: Exclude<Compression, 'none' | 'gzip'>, input: Readable): Readable {
  const out = new PassThrough();
  out.on('error', () => { /* kept on the stream for its consumer, as for gzip */ });
  const child = spawn(tools[kind], ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { if (stderr.length < 4096) stderr += c.toString(); });
  child.on('error', (err) => out.destroy(new InvalidParameter(`cannot decompress ${kind} input: ${err.message}`)));
  child.stdin.on('error', () => { /* the tool exited early; its status says why */ });
  input.on('error', (err) => { child.kill(); out.destroy(err); });
  out.on('close', () => { if (child.exitCode === null) child.kill(); });
  input.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new InvalidParameter(`cannot decompress ${kind} input: ${stderr.trim() || `exit status ${code}`}`));
  });
  return out;
}

/**
 * Whether `block` (the first 512 bytes of a stream) is a tar header, by its
 * checksum; an all-zero block (an empty archive) counts. Lets import and load refuse
 * garbage with a 400 before anything is written.
 */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  let sum = 0;
  let zero = true;
  for (let i = 0; i < 512; i++) {
    const b = block[i]!;
    if (b !== 0) zero = false;
    sum += i >= 148 && i < 156 ? 0x20 : b;
  }
  if (zero) return true;
  const field = block.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim();
  return /^[0-7]+$/.test(field) && parseInt(field, 8) === sum;
}

/** Decompress `input` and check that what comes out starts like a tar; InvalidParameter if not. */
export async function openTar(input: Readable): Promise<Readable> {
  const tarStream = await decompress(input);
  const head = await peek(tarStream, 512);
  if (!isTarHeader(head)) {
    // Not destroyed: `input` may be the request, whose socket must live to carry the 400.
    throw new InvalidParameter(head.length === 0 ? 'invalid tar header: the archive is empty' : 'invalid tar header: the input is not a tar archive');
  }
  return tarStream;
}
