/**
 * Line-oriented reading of a socket that may switch to a byte stream: the shim answers
 * JSON lines, and after `attach`/`exec` the same connection carries raw bytes. Bytes
 * that arrived behind the reply line are put back into the socket before it is handed on.
 */
import type { Socket } from 'node:net';

export class LineReader {
  private buf: Buffer = Buffer.alloc(0);
  private queue: (string | null)[] = [];
  private waiters: ((l: string | null) => void)[] = [];
  private ended = false;
  private readonly onData = (d: Buffer): void => {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let i;
    while ((i = this.buf.indexOf(10)) >= 0) {
      this.push(this.buf.subarray(0, i).toString('utf8'));
      this.buf = this.buf.subarray(i + 1);
    }
  };
  private readonly onEnd = (): void => {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
  };

  constructor(readonly sock: Socket) {
    sock.on('data', this.onData);
    sock.on('end', this.onEnd);
    sock.on('close', this.onEnd);
    sock.on('error', this.onEnd);
  }

  private push(l: string | null): void {
    const w = this.waiters.shift();
    if (w) w(l);
    else this.queue.push(l);
  }

  /** The next line, or null once the peer closed. */
  next(): Promise<string | null> {
    if (this.queue.length) return Promise.resolve(this.queue.shift()!);
    if (this.ended) return Promise.resolve(null);
    return new Promise((r) => this.waiters.push(r));
  }

  /** The next line as a JSON object; null once closed. */
  async json(): Promise<Record<string, unknown> | null> {
    const l = await this.next();
    if (l === null) return null;
    const v: unknown = JSON.parse(l);
    if (!v || typeof v !== 'object') throw new Error(`berth-shim sent an unexpected line: ${l}`);
    return v as Record<string, unknown>;
  }

  /** Stops line reading: the socket, paused, and the bytes that followed the last line. */
  release(): { sock: Socket; head: Buffer } {
    const s = this.sock;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('close', this.onEnd);
    s.off('error', this.onEnd);
    s.pause();
    // The shim sends exactly one reply line before it switches to bytes, so only what
    // is in `buf` belongs to the stream.
    const head = this.buf;
    this.buf = Buffer.alloc(0);
    return { sock: s, head };
  }
}
