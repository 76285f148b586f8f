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
 *
 * They are parked as they arrive, about a MiB at a time: parked all at once after
 * the upload, the ~900 chunks of a 20 MB context took 1-2.5 ms between the last
 * byte and the first step, with the client waiting.
 */

/** Bytes held before a batch is parked: a few dozen socket chunks per postMessage. */
const BATCH = 1 << 20;

export interface Parked {
  /** The chunks back, in order (once). */
  take(): Buffer[];
  /** Free what is still parked. */
  drop(): void;
}

/** An ArrayBuffer that only this chunk covers can move; others are copied into one of their own. */
function movable(chunk: Buffer, seen: Set<ArrayBufferLike>): ArrayBuffer {
  const ab = chunk.buffer;
  if (ab instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === ab.byteLength && ab.byteLength > 0 && !seen.has(ab)) {
    seen.add(ab);
    return ab;
  }
  const own = Buffer.allocUnsafeSlow(chunk.length);
  chunk.copy(own);
  return own.buffer as ArrayBuffer;
}

/**
 * Chunks handed over one by one (`add`), parked in batches. Whatever cannot be
 * moved stays held as it is; `take` gives everything back in order. A chunk given
 * here must not be read through another view afterwards: its memory may have moved.
 */
export class ChunkPark implements Parked {
  private readonly port1: MessagePort;
  private readonly port2: MessagePort;
  private readonly seen = new Set<ArrayBufferLike>();
  private held: Buffer[] = [];
  private heldBytes = 0;
  private batches = 0;
  /** A transfer was refused: everything from then on stays held. */
  private stuck = false;
  private taken = false;
  private dropped = false;

  constructor(private readonly batch = BATCH) {
    ({ port1: this.port1, port2: this.port2 } = new MessageChannel());
    this.port1.unref();
    this.port2.unref();
  }

  /** True when nothing was refused: all that was handed over is out of the heap after `seal`. */
  get parked(): boolean {
    return !this.stuck;
  }

  add(chunk: Buffer): void {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes >= this.batch) this.flush();
  }

  /** Park what is still held (the upload has ended). */
  seal(): void {
    this.flush();
  }

  private flush(): void {
    if (this.stuck || this.dropped || this.taken || this.held.length === 0) return;
    const buffers = this.held.map((c) => movable(c, this.seen));
    try {
      this.port1.postMessage(buffers, buffers);
    } catch {
      this.stuck = true;
      return;
    }
    this.batches++;
    this.held = [];
    this.heldBytes = 0;
  }

  take(): Buffer[] {
    if (this.taken) throw new Error('the parked build context was taken already');
    if (this.dropped) throw new Error('the parked build context is gone');
    this.taken = true;
    const out: Buffer[] = [];
    for (let i = 0; i < this.batches; i++) {
      const m = receiveMessageOnPort(this.port2);
      if (!m) {
        this.close();
        throw new Error('the parked build context is gone');
      }
      for (const ab of m.message as ArrayBuffer[]) out.push(Buffer.from(ab));
    }
    for (const c of this.held) out.push(c);
    this.held = [];
    this.close();
    return out;
  }

  drop(): void {
    this.dropped = true;
    this.held = [];
    this.close();
  }

  private close(): void {
    this.port1.close();
    this.port2.close();
  }
}

/** Park `chunks` (the array is emptied); null when they cannot be moved (then keep them). */
export function park(chunks: Buffer[]): Parked | null {
  const p = new ChunkPark(Infinity);
  for (const c of chunks) p.add(c);
  p.seal();
  if (!p.parked) {
    p.drop();
    return null;
  }
  chunks.length = 0;
  return p;
}
