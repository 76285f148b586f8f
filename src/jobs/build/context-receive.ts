import type { Readable } from 'node:stream';
import { type DigestWalker, tooLarge } from './context-digest.js';
import type { ChunkPark } from './context-park.js';

/*
 * The build context's bytes taken into memory as fast as the client sends them,
 * each chunk walked for its files' digests on the way. Nothing touches the disk
 * here: a fully cached build never needs the files themselves (context.ts). The
 * chunks are kept as the socket delivered them ('data' events, not the stream's
 * iterator, whose read() concatenates what is buffered into a new copy).
 */

export interface Received {
  chunks: Buffer[];
  bytes: number;
  /** False when `memory` was reached first: the rest is still in `input`, paused. */
  ended: boolean;
}

/** Wires 'data', 'end', 'error', close and abort to `on`; returns the unwiring. Resumes the stream. */
function listen(input: Readable, signal: AbortSignal, on: { data(c: Buffer): void; end(): void; fail(err: unknown): void }): () => void {
  const onData = (c: Buffer): void => on.data(c);
  const onEnd = (): void => on.end();
  const onError = (err: Error): void => on.fail(err);
  // A close before the end: the client went away mid-upload. (The end may have gone
  // by between two listeners, while the stream was paused.)
  const onClose = (): void => {
    if (input.readableEnded) on.end();
    else on.fail(new Error('the build context ended before its end (the client went away)'));
  };
  const onAbort = (): void => on.fail(signal.reason);
  const off = (): void => {
    input.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    signal.removeEventListener('abort', onAbort);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  input.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  if (input.readableEnded) queueMicrotask(onEnd);
  // After a 'readable' listener (peek) or a pause the stream does not flow by itself.
  else input.resume();
  return off;
}

/**
 * The first chunks of `input`, `n` bytes or more (fewer at its end), with the
 * stream paused after them: enough to tell what the body is without the copy a
 * read() of everything buffered would make.
 */
export function sniff(input: Readable, n: number, signal: AbortSignal): Promise<Received> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    const off = listen(input, signal, {
      data(c) {
        chunks.push(c);
        bytes += c.length;
        if (bytes < n) return;
        input.pause();
        off();
        resolve({ chunks, bytes, ended: false });
      },
      end() {
        off();
        resolve({ chunks, bytes, ended: true });
      },
      fail(err) {
        off();
        reject(err);
      },
    });
  });
}

/** The first `n` bytes of what `got` holds (a copy only when they span chunks). */
export function headOf(got: Received, n: number): Buffer {
  const first = got.chunks[0];
  if (first && first.length >= n) return first.subarray(0, n);
  return Buffer.concat(got.chunks).subarray(0, n);
}

/**
 * Read `input` until its end or until more than `memory` bytes are held, starting
 * with what `start` (sniff) took from it already. More than `max` bytes in all is
 * refused with the daemon's limit error. With `park`, the chunks go there as they
 * are walked (and the answer's `chunks` is empty).
 */
export function receive(input: Readable, walker: DigestWalker, max: number, memory: number, signal: AbortSignal, start: Received, park: ChunkPark | null = null): Promise<Received> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const hold = park ? (c: Buffer): void => park.add(c) : (c: Buffer): void => { chunks.push(c); };
    let bytes = 0;
    let off = (): void => {};
    let done = false;
    const finish = (fn: () => void): void => {
      done = true;
      off();
      fn();
    };
    const take = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > max) {
        input.pause();
        finish(() => reject(tooLarge(max)));
        return;
      }
      walker.write(chunk);
      hold(chunk);
      if (bytes > memory) {
        input.pause();
        finish(() => resolve({ chunks, bytes, ended: false }));
      }
    };
    // What sniff took is taken whole: it is already out of the stream.
    for (const c of start.chunks) {
      if (done) {
        walker.write(c);
        hold(c);
        bytes += c.length;
      } else take(c);
    }
    if (done) return;
    if (start.ended) {
      finish(() => resolve({ chunks, bytes, ended: true }));
      return;
    }
    off = listen(input, signal, {
      data: (c) => { if (!done) take(c); },
      end: () => finish(() => resolve({ chunks, bytes, ended: true })),
      fail: (err) => finish(() => reject(err)),
    });
  });
}
