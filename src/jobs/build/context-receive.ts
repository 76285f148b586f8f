import type { Readable } from 'node:stream';
import { type DigestWalker, tooLarge } from './context-digest.js';

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

/**
 * Read `input` until its end or until more than `memory` bytes are held. More than
 * `max` bytes in all is refused with the daemon's limit error.
 */
export function receive(input: Readable, walker: DigestWalker, max: number, memory: number, signal: AbortSignal): Promise<Received> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const finish = (fn: () => void): void => {
      input.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > max) {
        input.pause();
        finish(() => reject(tooLarge(max)));
        return;
      }
      walker.write(chunk);
      chunks.push(chunk);
      if (bytes > memory) {
        input.pause();
        finish(() => resolve({ chunks, bytes, ended: false }));
      }
    };
    const onEnd = (): void => finish(() => resolve({ chunks, bytes, ended: true }));
    const onError = (err: Error): void => finish(() => reject(err));
    // A close before the end: the client went away mid-upload.
    const onClose = (): void => finish(() => reject(new Error('the build context ended before its end (the client went away)')));
    const onAbort = (): void => finish(() => reject(signal.reason));
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    input.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    // After peek()'s 'readable' listener the stream does not flow by itself.
    input.resume();
  });
}
