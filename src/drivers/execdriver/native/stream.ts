/**
 * The container's byte stream (attach, exec) as an ordinary Duplex. The control socket
 * was read line by line until the reply; what arrived behind the reply comes first,
 * then the socket's bytes, with backpressure. A wrapper rather than the socket itself,
 * because the socket had to be paused to keep those bytes, and a paused socket ignores
 * a consumer that only adds a 'data' listener.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

export class ShimStream extends Duplex {
  constructor(private readonly sock: Socket, head: Buffer) {
    super({ allowHalfOpen: true });
    if (head.length) this.push(head);
    sock.on('data', (d: Buffer) => { if (!this.push(d)) sock.pause(); });
    sock.on('end', () => this.push(null));
    sock.on('close', () => {
      // The shim closed the stream (the process exited): nothing more can be written.
      if (this.readableEnded || this.destroyed) return;
      this.push(null);
    });
    sock.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.sock.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.sock.destroyed || !this.sock.writable) { cb(); return; } // the peer is gone: stdin has nowhere to go
    this.sock.write(chunk, (err) => cb(err ?? null));
  }

  /** A half-close: the shim stops this client's stdin (and the container's, with --stdin-once). */
  override _final(cb: (err?: Error | null) => void): void {
    if (!this.sock.destroyed) this.sock.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.sock.destroy();
    cb(err);
  }
}
