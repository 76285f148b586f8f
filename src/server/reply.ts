import { Writable } from 'node:stream';
import type { ServerResponse } from 'node:http';

/**
 * The stdout of a streaming job. The status line and headers go out with the first
 * byte, so a job that fails before writing anything (save of an unknown image) still
 * gets a proper error status instead of a 200 with a broken body.
 */
export class LazyReply extends Writable {
  started = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly status: number,
    private readonly contentType: string,
  ) {
    super();
    res.once('close', () => {
      if (!res.writableFinished) this.destroy(new Error('client went away'));
    });
  }

  /**
   * Add a response header, before the first byte only: `docker cp`'s path stat
   * travels in one (X-Docker-Container-Path-Stat) ahead of the tar.
   */
  setHeader(name: string, value: string): void {
    if (this.started) throw new Error(`header ${name} set after the reply started`);
    this.res.setHeader(name, value);
  }

  /** Send the head now (streams that must reach the client before any data, e.g. events). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.res.statusCode = this.status;
    this.res.setHeader('Content-Type', this.contentType);
    this.res.flushHeaders();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.start();
    if (this.res.write(chunk)) cb();
    else this.res.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.start();
    this.res.end(cb);
  }
}
