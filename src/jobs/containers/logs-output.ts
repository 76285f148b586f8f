import type { Writable } from 'node:stream';
import { sendHead } from '../io.js';

/** Bytes of one stdcopy frame at most: big enough that a reader does a few large writes. */
const MAX_FRAME = 1 << 20;

/**
 * The job's stdout for log records: the records of one read go out in one write and
 * the job waits for the client to take them (a slow reader throttles the file reads
 * instead of filling memory). Consecutive records of the same stream share one
 * stdcopy frame: the bytes per stream are the same as dockerd's one frame per record,
 * but the client demultiplexes a few large frames instead of one per line, which is
 * most of what `docker logs` of a big log costs the CLI. `ok` turns false once the
 * client has gone.
 */
export class LogOutput {
  private texts: string[] = [];
  private streams: number[] = [];

  constructor(private readonly out: Writable, private readonly signal: AbortSignal, private readonly mux: boolean) {}

  get ok(): boolean {
    return !this.signal.aborted && !this.out.destroyed && !this.out.writableEnded;
  }

  /** Send the head now, as dockerd does, so that a follower with nothing to read yet sees 200 at once. */
  start(): void {
    sendHead(this.out);
  }

  push(stream: number, text: string): void {
    this.texts.push(text);
    this.streams.push(stream);
  }

  async flush(): Promise<void> {
    if (this.texts.length === 0) return;
    const data = this.mux ? this.frames() : Buffer.from(this.texts.join(''), 'utf8');
    this.texts = [];
    this.streams = [];
    if (!this.ok) return;
    if (this.out.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Runs of the same stream, each as one frame (split at MAX_FRAME). */
  private frames(): Buffer {
    const parts: Buffer[] = [];
    let i = 0;
    while (i < this.texts.length) {
      const stream = this.streams[i]!;
      let j = i;
      let size = 0;
      while (j < this.texts.length && this.streams[j] === stream && (j === i || size + this.texts[j]!.length <= MAX_FRAME)) {
        size += this.texts[j]!.length;
        j++;
      }
      const body = Buffer.from(j - i === 1 ? this.texts[i]! : this.texts.slice(i, j).join(''), 'utf8');
      const head = Buffer.allocUnsafe(8);
      head.writeUInt32BE(stream << 24, 0);
      head.writeUInt32BE(body.length, 4);
      parts.push(head, body);
      i = j;
    }
    return Buffer.concat(parts);
  }
}
