import { Transform, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { decompress } from '../archive/decompress.js';
import { chainIdOf } from '../layers.js';
import type { LayerRecord } from '../types.js';
import { blobStream } from './blob.js';
import type { RegistryClient } from './client.js';
import { holdHeapHeadroom } from './heap-headroom.js';
import { Limit } from './limit.js';
import { shortId, type PullProgress } from './progress.js';
import type { Descriptor } from './types.js';

/** The part of the Graph a pull writes layers through (src/graph/types.ts). */
export interface LayerGraph {
  hasLayer(chainId: string): boolean;
  createLayer(parent: string | null, tar: Readable, opts?: { expectDiffId?: string }): Promise<LayerRecord>;
  releaseLayer(chainId: string, own?: readonly string[]): Promise<unknown>;
}

export interface LayerJob {
  client: RegistryClient;
  repo: string;
  layers: Descriptor[];
  diffIds: string[];
  graph: LayerGraph;
  progress: LayerProgress;
  maxConcurrent: number;
  signal: AbortSignal;
}

/**
 * How far ahead of its extraction a layer may download. Extraction is in order (a
 * layer is registered on top of its parent), downloads are parallel: while layer N
 * extracts, layers N+1.. fill this much memory and then wait, so there is no
 * temporary file and memory stays bounded.
 */
const READ_AHEAD = 16 << 20;

/**
 * Download and register an image's layers: those whose chain exists are skipped
 * ("Already exists"); the others start downloading at once, at most
 * `maxConcurrent` at a time, and each streams through digest verification,
 * decompression and extraction in one pass. Any failure stops every transfer and
 * releases the layers this pull added, so nothing half-pulled remains. Resolves with
 * the number of layers written.
 */
export async function pullLayers(job: LayerJob): Promise<number> {
  const { layers, diffIds, graph, progress } = job;
  const chain: string[] = [];
  let parent: string | null = null;
  for (const d of diffIds) chain.push((parent = chainIdOf(parent, d)));
  const missing = (): number[] => {
    const first = chain.findIndex((c) => !graph.hasLayer(c));
    return first < 0 ? [] : layers.map((_, i) => i).slice(first);
  };
  let todo = missing();
  for (let i = 0; i < layers.length; i++) if (!todo.includes(i)) progress.status('Already exists', shortId(layers[i]!.digest));
  if (todo.length === 0) return 0;
  for (const i of todo) progress.status('Pulling fs layer', shortId(layers[i]!.digest));

  // As dockerd's transfer manager: a pull of layers another pull is already fetching
  // watches that transfer (its lines are copied here) instead of downloading again.
  const running = sharedPulls(graph);
  const top = chain.at(-1)!;
  for (let leader = running.get(top); leader; leader = running.get(top)) {
    const self = { progress, ids: new Set(todo.map((i) => shortId(layers[i]!.digest))) };
    leader.followers.add(self);
    try {
      await leader.done;
      return 0;
    } catch {
      // The other pull failed or was cancelled: fetch what is still missing ourselves.
      todo = missing();
      if (todo.length === 0) return 0;
    } finally {
      leader.followers.delete(self);
    }
  }
  // The set exists before the transfer starts: it writes its first lines synchronously.
  const followers: SharedPull['followers'] = new Set();
  const shared: SharedPull = { done: transfer({ ...job, progress: teeProgress(progress, () => followers) }, chain, todo), followers };
  shared.done.catch(() => undefined);
  running.set(top, shared);
  try {
    return await shared.done;
  } finally {
    running.delete(top);
  }
}

/** A pull whose layers others wait for, and the pulls that watch it. */
interface SharedPull {
  done: Promise<number>;
  followers: Set<{ progress: LayerProgress; ids: Set<string> }>;
}
type LayerProgress = Pick<PullProgress, 'status' | 'bar'>;

const sharedPullsByGraph = new WeakMap<LayerGraph, Map<string, SharedPull>>();
function sharedPulls(graph: LayerGraph): Map<string, SharedPull> {
  let m = sharedPullsByGraph.get(graph);
  if (!m) sharedPullsByGraph.set(graph, (m = new Map()));
  return m;
}

/** The leader's progress, each layer's line also written to the watchers that lack it. */
function teeProgress(own: LayerProgress, followers: () => SharedPull['followers']): LayerProgress {
  return {
    status(status: string, id?: string) {
      own.status(status, id);
      for (const f of followers()) if (id !== undefined && f.ids.has(id)) f.progress.status(status, id);
    },
    bar(id: string, status: 'Downloading' | 'Extracting', current: number, total: number, force?: boolean) {
      own.bar(id, status, current, total, force);
      for (const f of followers()) if (f.ids.has(id)) f.progress.bar(id, status, current, total, force);
    },
  };
}

/** Download and register the layers `todo` (indexes from the first missing one to the top). */
async function transfer(job: LayerJob, chain: string[], todo: number[]): Promise<number> {
  const { layers, diffIds, graph, progress } = job;
  const limit = new Limit(job.maxConcurrent);
  const releaseHeadroom = holdHeapHeadroom();
  const streams = new Map<number, Readable>();
  const added: string[] = [];
  const fail = new AbortController();
  const onAbort = (): void => fail.abort(job.signal.reason);
  job.signal.addEventListener('abort', onAbort, { once: true });
  fail.signal.addEventListener('abort', () => { for (const s of streams.values()) s.destroy(fail.signal.reason as Error); }, { once: true });

  // Downloads start in layer order as slots free up; each resolves with its stream.
  const downloads = todo.map((i) => download(job, i, limit, streams, fail.signal));
  // Awaited in order below; a rejection before its turn must not count as unhandled.
  for (const d of downloads) d.catch(() => undefined);
  try {
    for (const [k, i] of todo.entries()) {
      job.signal.throwIfAborted();
      const blob = await downloads[k]!;
      // A transfer may have failed (digest, missing blob) before its turn to extract came.
      if (blob.errored) throw blob.errored;
      if (blob.destroyed) throw new Error(`download of ${layers[i]!.digest} was stopped`);
      const id = shortId(layers[i]!.digest);
      const size = layers[i]!.size;
      let consumed = 0;
      const counting = new Transform({
        transform(chunk: Buffer, _e, cb) {
          consumed += chunk.length;
          cb(null, chunk);
        },
      });
      blob.on('error', (e) => counting.destroy(e));
      // The extraction may have stopped reading (its tar ended) when the blob fails
      // afterwards: the error must not go unheard and crash the daemon.
      counting.on('error', () => undefined);
      const timer = setInterval(() => { if (blob.readableEnded || streamDone(blob)) progress.bar(id, 'Extracting', consumed, size); }, 100);
      try {
        const tar = await decompress(blob.pipe(counting));
        // The blob may fail (its digest) while decompress reads its first bytes, before
        // it listens for errors: a small layer arrives whole at once. Piped from a
        // destroyed stream, the gunzip would then wait forever for input.
        if (tar !== counting && counting.destroyed) tar.destroy((counting.errored as Error | null) ?? new Error(`download of ${layers[i]!.digest} was stopped`));
        const layer = await graph.createLayer(i === 0 ? null : chain[i - 1]!, tar, { expectDiffId: diffIds[i]! });
        added.push(layer.chainId);
        // A tar ends at its zero blocks, which may come before the blob's last byte:
        // the layer stands only once the whole blob was read and matched its digest.
        if (!complete.has(blob)) await verifyRest(blob, counting);
      } finally {
        clearInterval(timer);
      }
      progress.bar(id, 'Extracting', size, size, true);
      progress.status('Pull complete', id);
    }
    return todo.length;
  } catch (err) {
    fail.abort(err);
    await Promise.allSettled(downloads);
    if (added.length) await graph.releaseLayer(added.at(-1)!, added).catch(() => undefined);
    throw fail.signal.aborted && job.signal.aborted ? (job.signal.reason as Error) : err;
  } finally {
    releaseHeadroom();
    job.signal.removeEventListener('abort', onAbort);
  }
}

const complete = new WeakSet<Readable>();

/** Read what is left of `blob` past the extraction, through its digest check. */
async function verifyRest(blob: Readable, counting: Transform): Promise<void> {
  blob.unpipe(counting);
  blob.resume();
  await finished(blob);
}
const streamDone = (s: Readable): boolean => complete.has(s);

/** Start one layer's transfer when a slot is free; the slot is held until its last byte arrived. */
async function download(job: LayerJob, i: number, limit: Limit, streams: Map<number, Readable>, signal: AbortSignal): Promise<Readable> {
  const desc = job.layers[i]!;
  const id = shortId(desc.digest);
  if (!limit.free) job.progress.status('Waiting', id);
  const release = await limit.acquire();
  if (signal.aborted) {
    release();
    throw signal.reason;
  }
  const blob = blobStream(job.client, job.repo, desc, {
    highWaterMark: READ_AHEAD,
    onBytes: (n) => job.progress.bar(id, 'Downloading', n, desc.size, n === desc.size),
    onRetry: (ms) => job.progress.status(`Retrying in ${Math.ceil(ms / 1000)} second${ms > 1000 ? 's' : ''}`, id),
    onComplete: () => {
      complete.add(blob);
      release();
      job.progress.status('Verifying Checksum', id);
      job.progress.status('Download complete', id);
    },
  });
  blob.once('close', release);
  // Swallowed here; the error reaches the extraction reading this stream.
  blob.on('error', () => undefined);
  streams.set(i, blob);
  // read(0) makes the stream fetch ahead without consuming anything.
  blob.read(0);
  return blob;
}
