import type { Writable } from 'node:stream';
import { sendHead } from '../io.js';

/**
 * The job's stdout for log frames: batches the frames of one read into one write
 * and waits for the client to take them (a slow reader throttles the file reads
 * instead of filling memory). `ok` turns false once the client has gone.
 */
export class LogOutput {
  private batch: Buffer[] = [];

  constructor(private readonly out: Writable, private readonly signal: AbortSignal) {}

  get ok(): boolean {
    return !this.signal.aborted && !this.out.destroyed && !this.out.writableEnded;
  }

  /** Send the head now, as dockerd does, so that a follower with nothing to read yet sees 200 at once. */
  start(): void {
    sendHead(this.out);
  }

  push(frame: Buffer): void {
    this.batch.push(frame);
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const data = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch);
    this.batch = [];
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
}
