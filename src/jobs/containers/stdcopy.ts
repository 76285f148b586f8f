import { Writable } from 'node:stream';
import { sendHead } from '../io.js';

/**
 * Reads the frames of Docker's stdcopy stream (an 8-byte header: the stream, 1 for
 * stdout and 2 for stderr, three zero bytes, the payload's size big-endian; then the
 * payload) out of chunks that may cut them anywhere.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (stream: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      this.onFrame(this.buf[0]!, this.buf.subarray(8, 8 + size));
      this.buf = this.buf.subarray(8 + size);
    }
  }
}

/**
 * A stream taking stdcopy frames and writing on only their payloads, in order: the
 * output of an attach whose client wants the streams unmultiplexed (dockerd's
 * MuxStreams false, as attach over websocket) from a container without a TTY. Its
 * head, end and going away are those of `to`.
 */
export class Unmuxed extends Writable {
  private readonly reader: FrameReader;
  private pending: Promise<void> | null = null;

  constructor(private readonly to: Writable) {
    super();
    this.reader = new FrameReader((_stream, payload) => {
      if (!to.write(payload)) this.pending ??= new Promise((resolve) => to.once('drain', () => { this.pending = null; resolve(); }));
    });
    this.on('error', () => undefined);
    to.once('close', () => { if (!this.destroyed) this.destroy(); });
  }

  start(): void {
    sendHead(this.to);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.reader.push(chunk);
    if (this.pending) void this.pending.then(() => cb());
    else cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.to.end(() => cb());
  }
}
