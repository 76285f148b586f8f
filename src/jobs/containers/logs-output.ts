import type { Writable } from 'node:stream';
import { sendHead } from '../io.js';

/**
 * Bytes of one run of text at most: its rope is flattened when it is written, and
 * must stay a regular V8 string (a large-object one costs several times more).
 */
const MAX_RUN = 64 * 1024;
/** Bytes of one stdcopy frame at most: consecutive runs of a stream share it, so the client reads few frames. */
const MAX_FRAME = 1 << 20;
/**
 * A batch smaller than this goes out as dockerd sends it, one frame per record:
 * docker-py's logs(stream=True) yields frames, and its users (its own suite among
 * them) expect a line each. Only big batches, where frames cost the CLI, share them.
 */
const PER_RECORD_BATCH = 16 * 1024;
/** Writes the client has not taken yet before the reader waits: one sent, one being made. */
const IN_FLIGHT = 2;

/**
 * The job's stdout for log records. Texts come as latin1 strings (one char per byte of
 * the log, see RecordScanner), so a batch goes back to bytes with one copy. The
 * records of one read go out in one write; the file is read on while up to
 * IN_FLIGHT writes are still going to the client, and no further (a slow reader
 * throttles the file reads instead of filling memory). Consecutive records of the
 * same stream share one stdcopy frame: the bytes per stream are the same as
 * dockerd's one frame per record, but the client demultiplexes a few large frames
 * instead of one per line, which is most of what `docker logs` of a big log costs
 * the CLI. `ok` turns false once the client has gone.
 */
export class LogOutput {
  /** Finished runs, in order: their streams and texts. */
  private streams: number[] = [];
  private texts: string[] = [];
  private size = 0;
  /** The run being gathered: its stream and text (a rope of the records, flattened once when written). */
  private runStream = 0;
  private run = '';
  private sending: Promise<void>[] = [];

  constructor(private readonly out: Writable, private readonly signal: AbortSignal, private readonly mux: boolean) {}

  get ok(): boolean {
    return !this.signal.aborted && !this.out.destroyed && !this.out.writableEnded;
  }

  /** Send the head now, as dockerd does, so that a follower with nothing to read yet sees 200 at once. */
  start(): void {
    sendHead(this.out);
  }

  /** One record's text, as latin1 (bytes). */
  push(stream: number, text: string): void {
    if (stream !== this.runStream || this.run.length + text.length > MAX_RUN || this.size + this.run.length < PER_RECORD_BATCH) this.endRun();
    this.runStream = stream;
    this.run += text;
  }

  private endRun(): void {
    if (this.run.length === 0) return;
    this.streams.push(this.runStream);
    this.texts.push(this.run);
    this.size += this.run.length;
    this.run = '';
  }

  /** Send what was pushed; resolves once at most IN_FLIGHT writes are pending. */
  async flush(): Promise<void> {
    this.endRun();
    if (this.size === 0) return;
    const data = this.mux ? this.frames() : this.raw();
    this.streams = [];
    this.texts = [];
    this.size = 0;
    if (!this.ok) return;
    this.sending.push(this.send(data));
    if (this.sending.length > IN_FLIGHT) await this.sending.shift();
  }

  /** Everything written has been taken (or the client went). */
  async drain(): Promise<void> {
    const all = this.sending;
    this.sending = [];
    await Promise.all(all);
  }

  /** The runs written one by one into one buffer: joining them first would copy them twice. */
  private raw(): Buffer {
    const data = Buffer.allocUnsafe(this.size);
    let at = 0;
    for (const t of this.texts) at += data.write(t, at, 'latin1');
    return data;
  }

  /** Consecutive runs of one stream under one header each (up to MAX_FRAME bytes); a small batch's runs, one record each, a frame each. */
  private frames(): Buffer {
    const data = Buffer.allocUnsafe(this.size + 8 * this.texts.length);
    const shared = this.size >= PER_RECORD_BATCH;
    let at = 0;
    for (let i = 0; i < this.texts.length;) {
      const stream = this.streams[i]!;
      const head = at;
      at += 8;
      let n = 0;
      do {
        at += data.write(this.texts[i]!, at, 'latin1');
        n += this.texts[i]!.length;
        i++;
      } while (shared && i < this.texts.length && this.streams[i] === stream && n + this.texts[i]!.length <= MAX_FRAME);
      data.writeUInt32BE(stream << 24 >>> 0, head);
      data.writeUInt32BE(n, head + 4);
    }
    return data.subarray(0, at);
  }

  private send(data: Buffer): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('close', done);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      this.out.on('close', done);
      this.signal.addEventListener('abort', done, { once: true });
      this.out.write(data, done);
    });
  }
}
