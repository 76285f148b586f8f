/**
 * Client of berth-shim's control socket (`shim.sock`, README §4). Each call opens its
 * own connection: short requests close after their reply; `wait` holds one until the
 * exit; `attach` and `exec` turn theirs into the container's byte stream.
 */
import { connect, type Socket } from 'node:net';
import { LineReader } from './lines.js';
import { ShimStream } from './stream.js';

/** `{"error":...}` from the shim: the request was understood and refused. */
export class ShimRefused extends Error {
  constructor(message: string, readonly reply: Record<string, unknown>) {
    super(message);
    this.name = 'ShimRefused';
  }
}

/** The `state`/`wait` reply. */
export interface ShimState {
  id: string;
  pid: number;
  status: 'created' | 'running' | 'stopping' | 'exited';
  exitCode: number | null;
  signal: number | null;
  startedAt: string;
  finishedAt: string | null;
  tty: boolean;
}

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const fail = (err: Error): void => { s.destroy(); reject(err); };
    s.once('error', fail);
    s.once('connect', () => { s.off('error', fail); resolve(s); });
  });
}

/** Sends one request on a fresh connection and reads its first reply line. */
async function exchange(path: string, req: object, timeoutMs?: number): Promise<{ reader: LineReader; reply: Record<string, unknown> }> {
  const sock = await open(path);
  const reader = new LineReader(sock);
  // A shim that stopped answering must not hang the job: the reader then sees a close.
  if (timeoutMs) sock.setTimeout(timeoutMs, () => sock.destroy());
  sock.write(JSON.stringify(req) + '\n');
  let reply: Record<string, unknown> | null;
  try {
    reply = await reader.json();
  } catch (err) {
    sock.destroy();
    throw err;
  }
  if (reply === null) {
    sock.destroy();
    throw Object.assign(new Error(`berth-shim closed the connection without answering ${JSON.stringify(req)}`), { code: 'ECONNRESET' });
  }
  if (typeof reply.error === 'string') {
    sock.destroy();
    throw new ShimRefused(reply.error, reply);
  }
  sock.setTimeout(0);
  return { reader, reply };
}

/** How long a shim may take to answer a request that does not wait for the container. */
const REPLY_TIMEOUT_MS = 10_000;

export class ShimClient {
  constructor(readonly sockPath: string) {}

  /** A request with one reply; the connection closes after it. */
  async request(req: object): Promise<Record<string, unknown>> {
    const { reader, reply } = await exchange(this.sockPath, req, REPLY_TIMEOUT_MS);
    reader.sock.destroy();
    return reply;
  }

  async state(): Promise<ShimState> {
    return (await this.request({ op: 'state' })) as unknown as ShimState;
  }

  /**
   * Resolves with the state once the exit is recorded. Rejects when the connection
   * cannot be made or drops first (the shim is gone: the caller falls back to exit.json).
   */
  async wait(): Promise<ShimState> {
    const { reader, reply } = await exchange(this.sockPath, { op: 'wait' });
    reader.sock.destroy();
    return reply as unknown as ShimState;
  }

  /**
   * A request whose `{"ok"}`/`{"pid"}` reply switches the connection to a byte stream:
   * the reply, the stream, and the socket under it (its 'close' is the shim's).
   */
  async stream(req: object): Promise<{ reply: Record<string, unknown>; stream: ShimStream; sock: Socket }> {
    const { reader, reply } = await exchange(this.sockPath, req, REPLY_TIMEOUT_MS);
    const { sock, head } = reader.release();
    return { reply, stream: new ShimStream(sock, head), sock };
  }
}

/** Node's connection errors that mean the shim is no longer there. */
export function shimGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE';
}
