import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { statusOf } from './status.js';

/** Bytes a socket sent that its peer has not read yet (the composition root passes the addon's). */
export type UnreadBytes = (fd: number) => number;

/** How long the first body byte waits at most for the client to read the head. */
const HEAD_WAIT_MS = 200;

/**
 * Resolves once the peer has read everything sent on `socket` (the head), checked
 * every millisecond, or after HEAD_WAIT_MS: a client that reads late gets its bytes
 * anyway, as before. Only on unix sockets: on TCP the kernel counts what the peer's
 * kernel has not acknowledged, not what the client has read, so waiting would cost a
 * round trip and prove nothing. Where the fd or the check is missing, at once.
 */
async function headTaken(socket: Socket, unread: UnreadBytes): Promise<void> {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0 || socket.remoteFamily !== undefined) return;
  const until = Date.now() + HEAD_WAIT_MS;
  for (;;) {
    if (socket.destroyed) return;
    let queued: number;
    try {
      queued = socket.writableLength + unread(fd);
    } catch {
      return;
    }
    if (queued === 0 || Date.now() >= until) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const STATUS_TEXT: Record<number, string> = {
  304: 'Not Modified', 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 501: 'Not Implemented',
};

/**
 * The client's half of a hijacked connection (attach, exec start): the raw stream
 * head goes out on `start()` or the first byte, so a job that fails first (no such
 * container) still answers with a plain HTTP error. With `Upgrade: tcp` the head is
 * dockerd's `101 UPGRADED`; without it, a 200 whose body is the raw stream.
 *
 * After a 101 on a unix socket the first body byte waits until the client has read
 * the head (usually well under a millisecond; 200 ms at most). docker-py reads the
 * head through Python's buffered HTTP reader and then the raw socket beneath it:
 * bytes that came in the same read as the head stay in that buffer and are lost to
 * it. An attach with `logs=1` writes the log right after the head, and about one
 * attach in a hundred lost its output that way.
 */
export class HijackReply extends Writable {
  started = false;
  /** Resolves when the client has read the head (or we stopped waiting). */
  private headRead: Promise<void> | null = null;

  constructor(private readonly socket: Socket, private readonly upgrade: boolean, private readonly headers: OutgoingHttpHeaders,
    private readonly unread?: UnreadBytes) {
    super();
    // A client gone mid-stream is an ordinary end, not an error anyone must handle:
    // without this listener, the destroy below would throw from the socket's close.
    this.on('error', () => undefined);
    socket.once('close', () => { if (!this.writableFinished) this.destroy(new Error('client went away')); });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const lines = this.upgrade
      ? ['HTTP/1.1 101 UPGRADED', 'Content-Type: application/vnd.docker.raw-stream', 'Connection: Upgrade', 'Upgrade: tcp']
      : ['HTTP/1.1 200 OK', 'Content-Type: application/vnd.docker.raw-stream'];
    for (const [k, v] of Object.entries(this.headers)) if (v !== undefined) lines.push(`${k}: ${String(v)}`);
    this.socket.write(lines.join('\r\n') + '\r\n\r\n');
    if (this.upgrade && this.unread) this.headRead = headTaken(this.socket, this.unread);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.start();
    const send = () => {
      if (this.socket.destroyed) { cb(); return; }
      if (this.socket.write(chunk)) cb();
      else this.socket.once('drain', () => cb());
    };
    if (!this.headRead) { send(); return; }
    void this.headRead.then(() => { this.headRead = null; send(); });
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.start();
    this.socket.end(cb);
  }

  /** A failure before the head went out: an ordinary HTTP error answer, then close. */
  fail(err: unknown): void {
    if (this.started) {
      this.socket.destroy();
      return;
    }
    this.started = true;
    const status = statusOf(err);
    const body = status === 304 ? '' : JSON.stringify({ message: err instanceof Error ? err.message : String(err) }) + '\n';
    const lines = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
    for (const [k, v] of Object.entries(this.headers)) if (v !== undefined) lines.push(`${k}: ${String(v)}`);
    this.socket.end(lines.join('\r\n') + '\r\n\r\n' + body);
  }
}

/**
 * Reads the JSON body of an upgraded request (exec start sends one) from the bytes
 * that came with the head and then the socket; what follows the body is the
 * client's stdin and is put back in front of the socket's stream.
 */
export async function readUpgradeBody(req: IncomingMessage, socket: Socket, head: Buffer): Promise<Buffer> {
  const length = Number(req.headers['content-length'] ?? 0);
  let buf = head;
  if (!(length > 0)) {
    if (buf.length) socket.unshift(buf);
    return Buffer.alloc(0);
  }
  while (buf.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (d: Buffer) => { done(); resolve(d); };
      const onEnd = () => { done(); resolve(null); };
      const done = () => { socket.off('data', onData); socket.off('end', onEnd); socket.off('close', onEnd); socket.pause(); };
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.resume();
    });
    if (!chunk) break;
    buf = Buffer.concat([buf, chunk]);
  }
  if (buf.length > length) socket.unshift(buf.subarray(length));
  return buf.subarray(0, length);
}
