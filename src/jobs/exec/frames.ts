/**
 * An exec's output as its client asked for it. The driver's stream is stdcopy frames
 * for a process without a tty and raw bytes with one (as the exec was created); dockerd
 * frames what it sends by the `Tty` of the start request instead, and passes only the
 * streams the exec attached. This transform does both.
 */
import { Transform, type TransformCallback } from 'node:stream';

const HEADER = 8;
const STDOUT = 1;
const STDERR = 2;

/** One stdcopy frame: `[stream, 0, 0, 0, uint32 BE length]` then the payload. */
export function frame(stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(HEADER);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

export interface FrameOptions {
  /** The driver's stream is framed (the exec has no tty). */
  framedIn: boolean;
  /** The client wants frames (its start request had no tty). */
  framedOut: boolean;
  stdout: boolean;
  stderr: boolean;
}

export class ExecOutput extends Transform {
  private pending = Buffer.alloc(0);

  constructor(private readonly o: FrameOptions) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.o.framedIn) {
      // A tty merges both streams into the process's stdout.
      if (this.o.stdout) this.push(this.o.framedOut ? frame(STDOUT, chunk) : chunk);
      cb();
      return;
    }
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= HEADER) {
      const size = buf.readUInt32BE(4);
      if (buf.length < HEADER + size) break;
      this.emitFrame(buf[0]!, buf.subarray(0, HEADER + size));
      buf = buf.subarray(HEADER + size);
    }
    this.pending = Buffer.from(buf);
    cb();
  }

  private emitFrame(stream: number, whole: Buffer): void {
    if (stream === STDOUT ? !this.o.stdout : stream === STDERR ? !this.o.stderr : true) return;
    this.push(this.o.framedOut ? Buffer.from(whole) : Buffer.from(whole.subarray(HEADER)));
  }
}
