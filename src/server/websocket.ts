import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HijackReply } from './hijack.js';

/** The handshake only: berth's own upgrade handler owns the HTTP server. */
const handshaker = new WebSocketServer({ noServer: true, perMessageDeflate: false });

/** Whether the request asks to become a websocket (`Upgrade: websocket`). */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * The client's half of a websocket job (`GET /containers/{id}/attach/ws`), as
 * dockerd's x/net/websocket server serves it: the handshake is answered on `start()`
 * or the first byte, so a job that fails first (no such container) still gets a plain
 * HTTP error; then every write goes out as one binary message, and every message the
 * client sends, text or binary, is a chunk of `input` (the job's stdin). The client's
 * close ends `input`; the job's end closes the websocket.
 */
export class WebSocketReply extends Writable {
  readonly input = new PassThrough();
  private opened: Promise<WebSocket | null> | null = null;

  constructor(private readonly req: IncomingMessage, private readonly socket: Socket, private readonly head: Buffer,
    private readonly headers: OutgoingHttpHeaders) {
    super();
    this.on('error', () => undefined);
    socket.once('close', () => { if (!this.writableFinished) this.destroy(new Error('client went away')); });
  }

  start(): void {
    void this.open();
  }

  private open(): Promise<WebSocket | null> {
    this.opened ??= new Promise((resolve) => {
      // A socket that closed meanwhile gets no handshake (and ws would never call back).
      if (this.socket.destroyed) { this.input.end(); resolve(null); return; }
      handshaker.handleUpgrade(this.req, this.socket, this.head, (ws) => {
        ws.on('message', (data: Buffer) => { this.input.write(data); });
        ws.once('close', () => { this.input.end(); });
        ws.on('error', () => undefined);
        resolve(ws);
      });
    });
    return this.opened;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    void this.open().then((ws) => {
      if (!ws || ws.readyState !== ws.OPEN) { cb(); return; }
      ws.send(chunk, { binary: true }, () => cb());
    });
  }

  override _final(cb: (err?: Error | null) => void): void {
    void this.open().then((ws) => {
      ws?.close(1000);
      cb();
    });
  }

  /** A failure before the handshake: an ordinary HTTP error answer; after it, the websocket closes. */
  fail(err: unknown): void {
    if (this.opened) {
      void this.opened.then((ws) => ws?.close(1011));
      return;
    }
    this.opened = Promise.resolve(null);
    new HijackReply(this.socket, false, this.headers).fail(err);
  }
}
