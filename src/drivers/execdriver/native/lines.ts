/**
 * Line-oriented reading of a socket that may switch to a byte stream: the shim answers
 * JSON lines, and after `attach`/`exec` the same connection carries raw bytes. Bytes
 * that arrived behind the reply line are put back into the socket before it is handed on.
 */
import type { Socket } from 'node:net';

const NEWLINE = Buffer.from('\n');

export class LineReader {
  private buf: Buffer = Buffer.alloc(0);
  /**
   * Lines as raw bytes: when the stream's first bytes arrive in the same read as the
   * reply, whatever they split into must go back to the stream unchanged (stdcopy
   * headers are binary and may hold a 0x0a).
   */
  private queue: (Buffer | null)[] = [];
  private waiters: ((l: Buffer | null) => void)[] = [];
  private ended = false;
  private readonly onData = (d: Buffer): void => {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let i;
    while ((i = this.buf.indexOf(10)) >= 0) {
      this.push(this.buf.subarray(0, i));
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

  private push(l: Buffer | null): void {
    const w = this.waiters.shift();
    if (w) w(l);
    else this.queue.push(l);
  }

  /** The next line, or null once the peer closed. */
  async next(): Promise<string | null> {
    const l = this.queue.length ? this.queue.shift()! : this.ended ? null : await new Promise<Buffer | null>((r) => this.waiters.push(r));
    return l === null ? null : l.toString('utf8');
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
    // The shim sends exactly one reply line before it switches to bytes: every line
    // split off after it, and the rest in `buf`, belong to the stream.
    const parts: Buffer[] = [];
    for (const l of this.queue) if (l) parts.push(l, NEWLINE);
    const head = Buffer.concat([...parts, this.buf]);
    this.queue = [];
    this.buf = Buffer.alloc(0);
    return { sock: s, head };
  }
}
