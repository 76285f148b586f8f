import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { applyTar } from '../../drivers/graphdriver/archive/apply.js';
import { cleanName, resolveInRoot } from '../../drivers/graphdriver/archive/confine.js';
import { BLOCK, checksumOk, isZeroBlock } from '../../drivers/graphdriver/archive/tar-header.js';
import { InvalidParameter, isErrno } from '../../engine/errors.js';
import { decompress, detectCompression } from '../../graph/archive/decompress.js';
import { IgnoreMatcher, readIgnore } from '../../builder/dockerignore.js';
import type { ContentDigests, SourceFs, SourceStat } from '../../builder/sources.js';
import { ContextTap, DigestWalker } from './context-digest.js';
import { indexContext, type ContextView } from './context-index.js';
import { ChunkPark, type Parked } from './context-park.js';
import { headOf, receive, sniff, type Received } from './context-receive.js';

/*
 * The build context: the request body, a tar (plain or compressed). Its size, counted after any
 * decompression (so a small gzip cannot unpack past it), is capped by the daemon's
 * --max-build-context, else BERTH_MAX_BUILD_CONTEXT, else 8 GiB: past it the build
 * is refused.
 *
 * A tar is taken into memory as it arrives, its files' digests taken on the way
 * (context-receive.ts). A plain one (context-index.ts) is then not extracted at
 * all until a step needs its files: the Dockerfile, .dockerignore and COPY's cache
 * keys come from its headers, so a fully cached build never writes the context to
 * disk. Any other tar, and one larger than MEMORY, is extracted into scratch space
 * under the data root at once with the layer extractor's confinement (no `..`, no
 * absolute names, no writes through symlinks, no devices), and its errors are the
 * extractor's.
 */

const DEFAULT_MAX = 8 * 1024 ** 3;
/** The most of one context held in memory; past it, extraction starts while it arrives. */
const MEMORY = 64 * 1024 * 1024;
/** The extractor is handed pieces of about this size: each is a write on the thread pool. */
const PIECE = 1 << 20;

/** The cap in bytes: the daemon option when set (> 0), else the environment, else the default. */
export function maxContextBytes(configured: number): number {
  if (configured > 0) return configured;
  const v = Number(process.env['BERTH_MAX_BUILD_CONTEXT']);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_MAX;
}

export interface Context {
  dockerfile: string;
  ignore: IgnoreMatcher;
  /** Files' content digests taken on the way in (see context-digest.ts), or null. */
  digests: ContentDigests | null;
  /** The headers' view of a context not extracted yet, or null when it is on disk. */
  view: SourceFs | null;
  /** Extracts a context left in memory (once; later calls share the first); null when on disk. */
  materialize: (() => Promise<void>) | null;
  /** Frees what the context holds; resolves when no extraction is under way any more (whatever its outcome). */
  release(): Promise<void>;
}

/** Held chunks joined into pieces of about PIECE bytes, each let go once handed on. */
function* pieces(chunks: Buffer[]): Generator<Buffer> {
  while (chunks.length > 0) {
    let n = 0;
    let size = 0;
    while (n < chunks.length && size < PIECE) size += chunks[n++]!.length;
    yield n === 1 ? chunks.shift()! : Buffer.concat(chunks.splice(0, n), size);
  }
}

async function* joined(held: Buffer[], rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield* pieces(held);
  yield* rest;
}

/** The Dockerfile's candidate names and .dockerignore, as the index keeps them. */
function wanted(dockerfileName: string): Set<string> {
  const names = new Set(['.dockerignore', 'Dockerfile', 'dockerfile']);
  try {
    names.add(cleanName(dockerfileName || 'Dockerfile'));
  } catch {
    // reported by the read below, as for an extracted context
  }
  return names;
}

/** The Dockerfile's path in the context; one that leads out of it is refused in dockerd's words. */
function dockerfilePath(name: string): string {
  try {
    return cleanName(name);
  } catch (err) {
    if (err instanceof InvalidParameter && !name.includes('\0')) throw new InvalidParameter(`forbidden path outside the build context: ${name} ()`);
    throw err;
  }
}

/** Read the Dockerfile and .dockerignore through `read` (disk or index). */
async function finish(read: (rel: string) => Promise<string>, resolve: (rel: string) => Promise<string>, dockerfileName: string): Promise<{ dockerfile: string; ignore: IgnoreMatcher }> {
  let ignore = new IgnoreMatcher([]);
  try {
    ignore = new IgnoreMatcher(readIgnore(await read('.dockerignore')));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  const name = dockerfileName || 'Dockerfile';
  const open = async (n: string): Promise<string> => read(await resolve(dockerfilePath(n)));
  try {
    return { dockerfile: await open(name), ignore };
  } catch (err) {
    if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR') && !isErrno(err, 'EISDIR')) throw err;
    // dockerd falls back to the lower-case name for the default.
    if (!dockerfileName || dockerfileName === 'Dockerfile') {
      try {
        return { dockerfile: await open('dockerfile'), ignore };
      } catch {
        // reported below
      }
    }
    throw new InvalidParameter(`Cannot locate specified Dockerfile: ${name}`);
  }
}

async function onDisk(dir: string, dockerfileName: string, digests: ContentDigests | null): Promise<Context> {
  const read = (rel: string): Promise<string> => readFile(path.join(dir, rel), 'utf8');
  const found = await finish(read, (rel) => resolveInRoot(dir, rel, true), dockerfileName);
  return { ...found, digests, view: null, materialize: null, release: async () => {} };
}

/** A plain context left in memory: read through its index, extracted on demand (into `dir`, awaited then). */
async function inMemory(view: ContextView, digests: ContentDigests, parked: Parked, dir: () => Promise<string>, dockerfileName: string, signal: AbortSignal): Promise<Context> {
  // Out of the JavaScript heap until a step needs the files (context-park.ts).
  const read = async (rel: string): Promise<string> => {
    const st = await view.lstat(rel);
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read`), { code: 'EISDIR' });
    const kept = view.kept(rel);
    if (kept === null) throw new Error(`${rel} was not kept from the build context`);
    return kept.toString('utf8');
  };
  let found;
  try {
    found = await finish(read, (rel) => view.resolve(rel, true), dockerfileName);
  } catch (err) {
    parked.drop();
    throw err;
  }
  let extraction: Promise<void> | null = null;
  const materialize = (): Promise<void> => {
    extraction ??= (async () => {
      const at = await dir();
      await applyTar(at, Readable.from(pieces(parked.take())), { whiteouts: 'aufs', signal });
    })();
    return extraction;
  };
  const release = async (): Promise<void> => {
    parked.drop();
    await extraction?.catch(() => {});
  };
  return { ...found, digests, view, materialize, release };
}

/** The held chunks, then the rest of `body`, as one stream. */
function rejoined(held: Received, body: Readable): Readable {
  return held.ended ? Readable.from(held.chunks) : Readable.from(joined([...held.chunks], body));
}

/**
 * The lstat of the last scratch directory made under a parent (`rootKey`). Every
 * one is made the same way (same call, mode, owner, parent), so an earlier one's
 * answers what the view needs of a new one (mode, owner, type) before that exists:
 * on a loaded machine its mkdir took anywhere from 1 to 100 ms, and a fully cached
 * build waited for a directory it never uses.
 */
const rootStats = new Map<string, SourceStat>();

/**
 * Take the body in; the Dockerfile's text, the .dockerignore rules and how to reach
 * the files. `dir` (scratch space for an extraction) may still be in the making, or
 * made on demand (a function): a context left in memory neither waits for it nor
 * asks for it until a step needs the files, once `rootKey` (the directory `dir` is
 * made in) has been seen.
 */
export async function openContext(body: Readable, dir: string | Promise<string> | (() => Promise<string>), dockerfileName: string, max: number, signal: AbortSignal, memory = MEMORY, rootKey?: string): Promise<Context> {
  const known = rootKey === undefined ? undefined : rootStats.get(rootKey);
  const where = (): Promise<string> => (typeof dir === 'function' ? dir() : Promise.resolve(dir));
  // Else the directory is made and its lstat (the view's answer for the context
  // itself) taken while the body arrives.
  const rootStat = known ? Promise.resolve(known) : where().then((at) => lstat(at)).then((st) => {
    if (rootKey !== undefined) rootStats.set(rootKey, st);
    return st;
  });
  rootStat.catch(() => {
    // awaited below where it is needed
  });
  let first = await sniff(body, 512, signal);
  let input = body;
  if (detectCompression(headOf(first, 6)) !== 'none') {
    input = await decompress(rejoined(first, body));
    first = await sniff(input, 512, signal);
  }
  if (first.ended && first.bytes === 0) {
    // No body: an empty context, whose Dockerfile then cannot be found.
    input = Readable.from([Buffer.alloc(2 * BLOCK)]);
    first = await sniff(input, 512, signal);
  }
  // Always a tar, as dockerd reads it (clients wrap a Dockerfile given alone: the
  // CLI's `docker build - < Dockerfile`, docker-py's fileobj); else Go's tar errors.
  const head = headOf(first, 512);
  if (head.length < BLOCK) throw new InvalidParameter('unexpected EOF');
  if (!isZeroBlock(head) && !checksumOk(head)) throw new InvalidParameter('archive/tar: invalid tar header');
  const walker = new DigestWalker(wanted(dockerfileName));
  // The chunks leave the heap as they arrive, in case the context stays in memory.
  const held = new ChunkPark();
  let got: Received;
  try {
    got = await receive(input, walker, max, memory, signal, first, held);
  } catch (err) {
    held.drop();
    throw err;
  }
  if (!got.ended) {
    // Too large to hold: extracted while the rest arrives, as it always was.
    const rest = input.pipe(new ContextTap(max, walker, got.bytes));
    // Its failures (the limit, the client gone) wait in the stream for the extractor's read of it.
    input.on('error', (err) => rest.destroy(err));
    rest.on('error', () => {});
    const chunks = held.take();
    const at = await where();
    await applyTar(at, Readable.from(joined(chunks, rest)), { whiteouts: 'aufs', signal });
    return onDisk(at, dockerfileName, walker.usable ? walker.digests : null);
  }
  // The CLI's -f - archive may stop right after its last file; its end is added here.
  const pad = walker.missingPadding();
  if (pad > 0) {
    const end = Buffer.alloc(pad + 2 * BLOCK);
    walker.write(end);
    held.add(end);
  }
  held.seal();
  const digests = walker.usable ? walker.digests : null;
  let view: ContextView | null;
  try {
    view = indexContext(walker, await rootStat);
  } catch (err) {
    held.drop();
    throw err;
  }
  if (view) return inMemory(view, walker.digests, held, where, dockerfileName, signal);
  const at = await where();
  await applyTar(at, Readable.from(pieces(held.take())), { whiteouts: 'aufs', signal });
  return onDisk(at, dockerfileName, digests);
}
