import { InvalidParameter } from '../../../engine/errors.js';

/**
 * Exact-length reads over an async stream of chunks. The tar reader needs to pull
 * 512-byte blocks and bounded pieces of entry data, and to know the difference
 * between a clean end of input and one in the middle of a block.
 */
export class ByteSource {
  private readonly it: AsyncIterator<Buffer | string | Uint8Array>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;
  /** Bytes handed out so far: the offset of the next byte, for error messages. */
  offset = 0;

  constructor(source: AsyncIterable<Buffer | string | Uint8Array>, private readonly signal?: AbortSignal) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Pull one more chunk into the queue; false at end of input. */
  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    this.signal?.throwIfAborted();
    const { value, done } = await this.it.next();
    this.signal?.throwIfAborted();
    if (done) {
      this.ended = true;
      return false;
    }
    const chunk = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    return true;
  }

  private take(n: number): Buffer {
    const out: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = this.pending[0]!;
      if (head.length <= need) {
        out.push(head);
        this.pending.shift();
        need -= head.length;
      } else {
        out.push(head.subarray(0, need));
        this.pending[0] = head.subarray(need);
        need = 0;
      }
    }
    this.pendingBytes -= n;
    this.offset += n;
    return out.length === 1 ? out[0]! : Buffer.concat(out, n);
  }

  /**
   * Exactly `n` bytes, or null when the input ends cleanly before the first byte.
   * An end part-way through is a truncated archive.
   */
  async readOrEnd(n: number, what: string): Promise<Buffer | null> {
    while (this.pendingBytes < n) {
      if (!(await this.pull())) {
        if (this.pendingBytes === 0) return null;
        throw truncated(what);
      }
    }
    return this.take(n);
  }

  async read(n: number, what: string): Promise<Buffer> {
    const b = await this.readOrEnd(n, what);
    if (b === null) throw truncated(what);
    return b;
  }

  /** Up to `max` bytes (at least one), for streaming entry data without buffering it all. */
  async readSome(max: number, what: string): Promise<Buffer> {
    while (this.pendingBytes === 0) {
      if (!(await this.pull())) throw truncated(what);
    }
    const head = this.pending[0]!;
    return this.take(Math.min(max, head.length));
  }

  /** Whatever is left in the input, chunk by chunk. */
  async *rest(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.pendingBytes === 0 && !(await this.pull())) return;
      if (this.pendingBytes > 0) yield this.take(this.pendingBytes);
    }
  }

  /** Stop reading the underlying input (its iterator's return closes the stream). */
  async close(): Promise<void> {
    this.ended = true;
    this.pending = [];
    this.pendingBytes = 0;
    await this.it.return?.();
  }
}

function truncated(what: string): InvalidParameter {
  return new InvalidParameter(`invalid tar header: unexpected end of archive in ${what}`);
}
