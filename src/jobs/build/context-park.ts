import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/*
 * A build context held in memory, parked outside the JavaScript heap. Kept as
 * Buffers, its 20 MB of a cached build outlive the upload by the few milliseconds
 * the build takes, survive a scavenge, and are promoted: V8 then counts them as
 * old external memory and runs a full mark-compact about every other build (~10
 * ms on the main thread and ~25 ms on helper threads per build, measured). Moved
 * into a MessageChannel's queue instead (a transfer: no copy, the Buffers left
 * behind are empty), they are no longer V8's to count; taken back only if a step
 * needs the files, freed when the build ends.
 */

export interface Parked {
  /** The chunks back, in order (once). */
  take(): Buffer[];
  /** Free what is still parked. */
  drop(): void;
}

/** An ArrayBuffer that only this chunk covers can move; others are copied into one of their own. */
function movable(chunk: Buffer, seen: Set<ArrayBufferLike>): ArrayBuffer {
  const ab = chunk.buffer;
  if (ab instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === ab.byteLength && !seen.has(ab)) {
    seen.add(ab);
    return ab;
  }
  const own = Buffer.allocUnsafeSlow(chunk.length);
  chunk.copy(own);
  return own.buffer as ArrayBuffer;
}

/** Park `chunks` (the array is emptied); null when they cannot be moved (then keep them). */
export function park(chunks: Buffer[]): Parked | null {
  const { port1, port2 } = new MessageChannel();
  port1.unref();
  port2.unref();
  const seen = new Set<ArrayBufferLike>();
  const buffers = chunks.map((c) => movable(c, seen));
  try {
    port1.postMessage(buffers, buffers);
  } catch {
    port1.close();
    return null;
  }
  chunks.length = 0;
  const close = (p: MessagePort): void => p.close();
  let taken = false;
  let dropped = false;
  return {
    take() {
      if (taken) throw new Error('the parked build context was taken already');
      if (dropped) throw new Error('the parked build context is gone');
      taken = true;
      const m = receiveMessageOnPort(port2);
      close(port1);
      close(port2);
      if (!m) throw new Error('the parked build context is gone');
      return (m.message as ArrayBuffer[]).map((ab) => Buffer.from(ab));
    },
    drop() {
      dropped = true;
      close(port1);
      close(port2);
    },
  };
}
