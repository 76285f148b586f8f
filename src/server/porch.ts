/**
 * The porch: pings answered on a thread of the daemon's own (src/libcontainer/native/
 * porch.cc), off the event loop.
 *
 * Why: the event loop is one core, and a client that polls `/_ping` on a kept-alive
 * connection (a health check, a wait loop, a load test) has it spend most of its time
 * in the kernel's socket calls for answers that never change. dockerd answers on every
 * core. Measured on this machine (docs/ARCHITECTURE.md, "The porch"), the front door
 * alone tops out near dockerd's rate on its one core; the porch answers several times
 * as many on the other, and leaves the event loop to the engine.
 *
 * Which connections: the front door moves one here after answering two pings in a row
 * on it, once it has nothing of it in hand (every byte read was answered, the last
 * answer is written). A client that pings once before its real request (the CLI,
 * docker-py, compose) never moves and pays nothing. The porch answers with the front
 * door's own last answer to a ping (the same bytes; the Date kept to the second); at
 * the first request that is anything else it gives the connection back, with every
 * byte it read and did not answer, and the front door goes on with it as with a new
 * one. A ping on the porch runs no job: with debug logging on, where every job is
 * traced, connections stay with the front door, and a reload that turns it on calls
 * them back.
 */
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import * as native from '../libcontainer/native.js';

export interface Porch {
  /** Whether the porch answers requests for `target` (a ping's). */
  answers(target: string): boolean;
  /**
   * Move `socket` to the porch, which answers with `replies` (GET, HEAD, GET with
   * `Connection: close`, HEAD with it). False when it cannot: the caller keeps it.
   * When true the porch serves a duplicate of its fd and the caller destroys `socket`.
   */
  take(socket: Socket, replies: Buffer[]): boolean;
  /** Close the connections the porch holds for this front door (shutdown). */
  closeAll(): void;
  /** After a reload: if the porch may no longer be used, its connections come back. */
  recheck(): void;
}

/** Where a connection the porch gives back goes: the front door it came from. */
export type Door = (socket: Socket, bytes: Buffer) => void;

const doors = new Map<number, Door>();
let nextTag = 1;

function giveBack(fd: number, tag: number, bytes: Buffer): void {
  const door = doors.get(tag);
  if (!door) {
    closeSync(fd); // its listener is closed
    return;
  }
  let socket: Socket;
  try {
    // allowHalfOpen as the listeners' own sockets: hijacked stdin may end before the output.
    socket = new Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
  } catch {
    closeSync(fd); // not a socket Node can wrap: the client is dropped, the daemon goes on
    return;
  }
  door(socket, bytes);
}

/** Where the Date value starts in a formatted answer. */
function dateAt(reply: Buffer): number {
  const at = reply.indexOf('\r\nDate: ');
  if (at < 0) throw new Error('a porch answer needs a Date header');
  return at + '\r\nDate: '.length;
}

/**
 * A porch for one front door, answering `targets`; undefined when there is nothing
 * for it to answer. `enabled` is asked at each move (debug logging can be switched
 * on by a reload).
 */
export function openPorch(targets: string[], door: Door, enabled: () => boolean): Porch | undefined {
  if (targets.length === 0) return undefined;
  native.porchStart(giveBack, targets);
  const tag = nextTag++;
  doors.set(tag, door);
  const answered = new Set(targets);
  return {
    answers: (target) => answered.has(target),
    take(socket, replies) {
      if (!enabled() || socket instanceof TLSSocket || !doors.has(tag)) return false;
      const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
      if (typeof fd !== 'number' || fd < 0) return false;
      native.porchAnswers(replies, replies.map(dateAt));
      native.porchTake(fd, tag, Buffer.alloc(0));
      return true;
    },
    closeAll() {
      doors.delete(tag);
      native.porchCloseAll(tag);
    },
    recheck() {
      if (!enabled() && doors.has(tag)) native.porchGiveBackAll(tag);
    },
  };
}

/** Pings the porch has answered in this process (tests and benchmarks read it). */
export function pingsOnPorch(): number {
  return native.porchServed();
}
