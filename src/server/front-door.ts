/**
 * The front door of every API listener. Clients probe the daemon with `/_ping` before
 * nearly everything (the CLI, docker-py and compose each time they connect, health
 * checks in loops), and node:http spends most of a ping's cost on its own request and
 * response objects: measured on this machine, a bare node:http handler answers about
 * 58k pings/s, a socket that writes a ready answer about 77k, dockerd 20.10 about 37k.
 * So the front door reads each connection itself while the requests on it are plain
 * probes (GET or HEAD of a route marked `quick`, no query, no body, HTTP/1.1: `/_ping`,
 * and `/images/json` that `docker images` and polling clients ask) and answers them
 * through the same job as the route table would; at the first request that is
 * anything else it hands the connection, with every byte it has read, to the
 * node:http server, which owns it from then on.
 */
import type { Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { openPorch, type Porch } from './porch.js';

/** An answer to a quick request, from the route's job. */
export interface QuickAnswer {
  status: number;
  /** The route's headers as a flat `[name, value, ...]` list. */
  raw: string[];
  contentType: string;
  body: string;
}

/** The answer's promise for a quick route, or undefined: the request is not one. */
export type QuickRouter = (method: string, target: string) => Promise<QuickAnswer> | undefined;

/** node:http's default for idle keep-alive connections, kept for the ones served here. */
const KEEP_ALIVE_MS = 5000;

/** A header block longer than this is not a probe; node:http takes it (and its limits). */
const MAX_QUICK_HEAD = 4096;

/** Pings in a row after which a connection moves to the porch (porch.ts says why two). */
const PINGS_BEFORE_PORCH = 2;

/** What the porch answers and when it may be used (porch.ts). */
export interface PorchOptions {
  targets: string[];
  enabled: () => boolean;
}

export interface FrontDoor {
  /** Take one connection (plain, or TLS once its handshake is done: the listener's choice). */
  accept(socket: Socket): void;
  /** End the connections the front door still holds that wait for a request. */
  closeIdle(): void;
  /** After a reload: call connections back from the porch if it may no longer be used. */
  recheckPorch(): void;
}

export function frontDoor(http: HttpServer, quick: QuickRouter, porchOptions?: PorchOptions): FrontDoor {
  const held = new Set<Socket>();
  const door: Door = { http, quick, held };
  // A connection the porch gives back comes in again with the bytes it read.
  if (porchOptions) door.porch = openPorch(porchOptions.targets, (socket, bytes) => serve(socket, door, bytes), porchOptions.enabled);
  return {
    accept: (socket) => serve(socket, door),
    closeIdle: () => {
      door.porch?.closeAll();
      for (const s of held) if (!busy.has(s)) s.destroy();
    },
    recheckPorch: () => door.porch?.recheck(),
  };
}

interface Door {
  http: HttpServer;
  quick: QuickRouter;
  held: Set<Socket>;
  porch?: Porch;
}

/** Sockets with a quick answer in flight (not idle). */
const busy = new WeakSet<Socket>();

function serve(socket: Socket, door: Door, read?: Buffer): void {
  const { http, quick, held, porch } = door;
  held.add(socket);
  let pending: Buffer | null = read?.length ? read : null;
  let pings = 0;
  socket.setTimeout(KEEP_ALIVE_MS, () => socket.destroy());
  const release = (): void => {
    held.delete(socket);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.setTimeout(0);
  };
  const handOver = (): void => {
    release();
    // Not paused: node:http's own 'data' listener resumes the flow, and the bytes put
    // back come out first.
    if (pending?.length) socket.unshift(pending);
    pending = null;
    // Documented for injecting connections: node:http sets up its parser as for its own.
    http.emit('connection', socket);
  };
  const onClose = (): void => { held.delete(socket); };
  // Answers one complete request after another; anything else goes to node:http.
  const drain = async (): Promise<void> => {
    while (pending) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) {
        if (pending.length > MAX_QUICK_HEAD) handOver();
        return;
      }
      const probe = parseProbe(pending.toString('latin1', 0, end));
      const answer = probe ? quick(probe.method, probe.target) : undefined;
      if (!probe || !answer) {
        handOver();
        return;
      }
      pending = pending.length > end + 4 ? pending.subarray(end + 4) : null;
      // Bytes that arrive meanwhile (a pipelining client) join `pending` for the loop.
      busy.add(socket);
      const a = await answer;
      busy.delete(socket);
      if (socket.destroyed) return;
      pings = porch?.answers(probe.target) && a.status === 200 ? pings + 1 : 0;
      if (pings >= PINGS_BEFORE_PORCH && !pending && !probe.close) {
        socket.write(format(a, probe.method === 'HEAD', false), () => toPorch(a));
        continue;
      }
      socket.write(format(a, probe.method === 'HEAD', probe.close));
      if (probe.close) {
        release();
        socket.end();
        return;
      }
    }
  };
  // Once the answer is written: still nothing in hand (no bytes read since, none in
  // node's buffer, no later answer still being written), so the kernel holds whatever
  // the client sends next.
  const toPorch = (a: QuickAnswer): void => {
    if (socket.destroyed || pending || busy.has(socket) || socket.readableLength > 0 || socket.writableLength > 0 || !porch) return;
    const replies = [format(a, false, false), format(a, true, false), format(a, false, true), format(a, true, true)];
    if (!porch.take(socket, replies)) return;
    release();
    // Closes this fd only: the porch's duplicate keeps the connection open.
    socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    pending = pending ? Buffer.concat([pending, chunk]) : chunk;
    if (!busy.has(socket)) void drain();
  };
  socket.on('data', onData);
  socket.on('close', onClose);
  // A client that resets mid-answer is no error of the daemon's.
  socket.on('error', () => socket.destroy());
  if (pending) void drain();
}

interface Probe {
  method: 'GET' | 'HEAD';
  target: string;
  close: boolean;
}

/** A header line without a colon (node:http answers it with a 400). */
const MALFORMED_LINE = /\r\n[^:\r\n]*(?:\r\n|$)/;
const REQUEST_LINE = /^(GET|HEAD) (\/\S*) HTTP\/1\.1(?:\r\n|$)/;

/**
 * The request line and headers of a probe, or null when the request needs node:http:
 * another method or HTTP version, a body, an upgrade, `Expect`, or a malformed line.
 * Searched in the lower-cased block rather than split into lines: this runs on every
 * probe, and a split costs more than the rest of the answer.
 */
export function parseProbe(head: string): Probe | null {
  const m = REQUEST_LINE.exec(head);
  if (!m || MALFORMED_LINE.test(head)) return null;
  const lower = head.toLowerCase();
  if (lower.includes('\r\ntransfer-encoding:') || lower.includes('\r\nupgrade:') || lower.includes('\r\nexpect:')) return null;
  const length = headerValue(lower, 'content-length');
  if (length !== null && length !== '0') return null;
  const connection = headerValue(lower, 'connection');
  const close = connection !== null && connection.split(',').some((t) => t.trim() === 'close');
  return { method: m[1] as 'GET' | 'HEAD', target: m[2]!, close };
}

/** The trimmed value of the first header `name` (lower case) in a lower-cased block. */
function headerValue(lower: string, name: string): string | null {
  const at = lower.indexOf(`\r\n${name}:`);
  if (at < 0) return null;
  const from = at + name.length + 3;
  const end = lower.indexOf('\r\n', from);
  return lower.slice(from, end < 0 ? undefined : end).trim();
}

let dateSecond = 0;
let dateText = '';
/**
 * Formatted answers of this second (the Date changes each second), by the route's
 * headers, then status/method/connection/type, then body. The body is its own key,
 * not part of a joined one: a body that comes back as the same string (a kept JSON
 * answer) hashes once, where a joined key would be built and hashed per request.
 */
let made = new WeakMap<string[], Map<string, Map<string, Buffer>>>();

/** Answers larger than this are made per request (a copy per second is not worth it). */
const MAX_KEPT_BODY = 64 * 1024;
/** Bodies kept per route and kind in one second: errors carry their own messages. */
const MAX_KEPT_PER_KIND = 16;

/** The Date header's value, made once a second as node:http does. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
    made = new WeakMap();
  }
  return dateText;
}

/** The answer as node:http would write it for the same route; the same answer is made once a second. */
function format(a: QuickAnswer, head: boolean, close: boolean): Buffer {
  const date = httpDate();
  const kind = `${a.status} ${head ? 'h' : 'g'}${close ? 'c' : 'k'} ${a.contentType}`;
  let byKind = made.get(a.raw);
  let byBody = byKind?.get(kind);
  const cached = byBody?.get(a.body);
  if (cached) return cached;
  let out = `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ''}\r\n`;
  for (let i = 0; i < a.raw.length; i += 2) out += `${a.raw[i]}: ${a.raw[i + 1]}\r\n`;
  out += `Content-Type: ${a.contentType}\r\nContent-Length: ${Buffer.byteLength(a.body)}\r\nDate: ${date}\r\n`;
  out += close ? 'Connection: close\r\n\r\n' : `Connection: keep-alive\r\nKeep-Alive: timeout=${KEEP_ALIVE_MS / 1000}\r\n\r\n`;
  const bytes = Buffer.from(head ? out : out + a.body);
  if (a.body.length > MAX_KEPT_BODY) return bytes;
  if (!byKind) made.set(a.raw, (byKind = new Map()));
  if (!byBody) byKind.set(kind, (byBody = new Map()));
  if (byBody.size < MAX_KEPT_PER_KIND) byBody.set(a.body, bytes);
  return bytes;
}
