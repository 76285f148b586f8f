import { createServer, type RequestListener } from 'node:http';
import type { App } from './app.js';
import { connect, createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import { tlsDoor } from './tls-door.js';
import { frontDoor } from './front-door.js';
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../engine/log.js';
import { formatHost, isLoopback, parseHost, type HostSpec } from './host-spec.js';

export { parseHost, formatHost, isLoopback, type HostSpec } from './host-spec.js';

export interface Listeners {
  /** Stop accepting, end idle keep-alive connections, remove the unix sockets made here. */
  close(): Promise<void>;
  /** What is being served, e.g. `unix:///var/run/berth.sock`, `tcp://127.0.0.1:2375`. */
  readonly addresses: string[];
  /** After a reload: debug logging may now trace every request (the porch's connections come back). */
  reloaded(): void;
}

export interface ListenOptions {
  /** Serve plain TCP on non-loopback addresses (`--insecure-tcp`); refused otherwise. */
  insecureTcp?: boolean;
  /** TCP listeners speak TLS with these (`--tls`, `--tlsverify`: serverTls in ./tls.ts); unix sockets stay plain. */
  tls?: TlsOptions;
  log?: Logger;
  /** For tests: the file to look groups up in (default /etc/group). */
  groupFile?: string;
}

/** The first fd systemd hands over (sd_listen_fds' SD_LISTEN_FDS_START). */
const SD_LISTEN_FDS_START = 3;

/**
 * Serve `handler` on every `-H` address. All addresses are checked before any is
 * opened, so a bad one leaves nothing behind; if one fails to open, those already
 * opened are closed again.
 */
export async function listen(handler: RequestListener, hosts: string[], opts: ListenOptions = {}): Promise<Listeners> {
  const specs = hosts.map(parseHost);
  for (const h of specs) {
    if (h.kind === 'tcp' && !isLoopback(h.host) && !opts.insecureTcp && !opts.tls) {
      throw new Error(`refusing to serve the API without TLS on ${formatHost(h)}: anyone who can reach it has root on this host; ` +
        'listen on a loopback address or a unix socket, or pass --insecure-tcp to insist');
    }
  }
  const opened: Opened[] = [];
  const closeAll = async (): Promise<void> => {
    for (const { server, closeIdle, socketPath } of opened) {
      // close() stops accepting and (Node >= 19) ends idle keep-alive connections.
      // Requests in flight finish on their own, and streams (events, logs -f) end
      // when the engine's shutdown aborts their jobs, so nothing here waits for them.
      server.close();
      closeIdle();
      if (socketPath) removeOwnSocket(socketPath);
    }
  };
  const addresses: string[] = [];
  try {
    for (const h of specs) {
      for (const one of await openSpec(handler, h, opts)) {
        opened.push(one);
        addresses.push(one.address);
      }
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { addresses, close: closeAll, reloaded: () => { for (const o of opened) o.reloaded(); } };
}

/** One listening socket: the front door (or the node:http server itself) and how to end its idle connections. */
interface Opened {
  server: Server;
  closeIdle(): void;
  reloaded(): void;
  socketPath?: string;
  address: string;
}

type Served = Omit<Opened, 'address' | 'socketPath'>;

function newServer(handler: RequestListener, tls?: TlsOptions, log?: Logger): Served {
  // No request timeout: loads, imports and build contexts may upload for longer than
  // Node's 5-minute default, and the streams they feed have their own lifetimes.
  const http = createServer({ requestTimeout: 0 }, handler);
  const { upgrade, quick, porchTargets } = handler as App;
  if (upgrade) http.on('upgrade', upgrade);
  // The front door reads each connection first and hands node:http every one that is
  // not a probe; a handler without quick routes gives node:http each connection as is.
  // Pinging connections move on to the porch (porch.ts), but not from behind TLS,
  // whose bytes only this thread can read, nor while debug logging traces every job.
  const porch = !tls && porchTargets?.length ? { targets: porchTargets, enabled: () => !log?.isDebugEnabled() } : undefined;
  const door = quick ? frontDoor(http, quick, porch) : undefined;
  const accept = door ? door.accept : (socket: Socket): void => { http.emit('connection', socket); };
  // As http.Server's own: half-open for hijacked stdin, no Nagle delay on answers.
  const server = tls ? tlsDoor(tls, accept) : createNetServer({ allowHalfOpen: true, noDelay: true }, accept);
  return {
    server,
    closeIdle: () => {
      door?.closeIdle();
      http.closeIdleConnections();
    },
    reloaded: () => door?.recheckPorch(),
  };
}

async function openSpec(handler: RequestListener, h: HostSpec, opts: ListenOptions): Promise<Opened[]> {
  if (h.kind === 'unix') return [await openUnix(handler, h.path, opts)];
  if (h.kind === 'tcp') {
    const served = newServer(handler, opts.tls, opts.log);
    const server = served.server;
    await bind(server, { port: h.port, ...(h.host ? { host: h.host } : {}) }, formatHost(h));
    if (!isLoopback(h.host) && !opts.tls) {
      opts.log?.warn(`API is accessible on ${formatHost(h)} without encryption: access to it is equivalent to root access on this host (--insecure-tcp)`);
    }
    const a = server.address();
    const port = typeof a === 'object' && a ? a.port : h.port;
    return [{ ...served, address: formatHost({ ...h, port }) }];
  }
  const fds = activatedFds();
  const wanted = h.fd === 'all' ? fds : fds.filter((fd) => fd === h.fd);
  if (h.fd === 'all' && fds.length === 0) {
    throw new Error('no sockets found via socket activation: make sure the service was started by systemd');
  }
  if (wanted.length === 0) throw new Error(`failed to listen on fd://${h.fd}: not among the sockets systemd passed in (${fds.join(', ') || 'none'})`);
  const out = [];
  for (const fd of wanted) {
    const served = newServer(handler, opts.tls, opts.log);
    await bind(served.server, { fd }, `fd://${fd}`);
    out.push({ ...served, address: `fd://${fd}` });
  }
  return out;
}

/** The fds systemd passed in (LISTEN_FDS, only when LISTEN_PID is this process). */
function activatedFds(): number[] {
  if (Number(process.env.LISTEN_PID) !== process.pid) return [];
  const n = Number(process.env.LISTEN_FDS ?? 0);
  return Number.isInteger(n) && n > 0 ? Array.from({ length: n }, (_, i) => SD_LISTEN_FDS_START + i) : [];
}

async function openUnix(handler: RequestListener, path: string, opts: ListenOptions) {
  // dockerd creates no directory for its socket: a missing one fails the start.
  if (!existsSync(dirname(path))) {
    throw new Error(`failed to load listeners: can't create unix socket ${path}: listen unix ${path}: bind: no such file or directory`);
  }
  if (existsAsSocket(path)) {
    if (await answers(path)) throw new Error(`listen unix ${path}: bind: address already in use (another daemon is serving it)`);
    rmSync(path, { force: true }); // stale: left by a daemon that died without cleaning up
  }
  const served = newServer(handler, undefined, opts.log);
  const server = served.server;
  await bind(server, { path }, `unix://${path}`);
  try {
    chmodSync(path, 0o660);
    chownSync(path, 0, socketGroup(opts.groupFile ?? '/etc/group'));
  } catch (err) {
    server.close();
    removeOwnSocket(path);
    throw err;
  }
  return { ...served, socketPath: path, address: `unix://${path}` };
}

function bind(server: Server, where: { path: string } | { port: number; host?: string } | { fd: number }, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`failed to listen on ${label}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(where, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function existsAsSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Whether something accepts connections on the socket (a live daemon), within a second. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    const done = (live: boolean) => { clearTimeout(timer); sock.destroy(); resolve(live); };
    const timer = setTimeout(() => done(false), 1000);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** The gid of `berth`, else `docker`, else root: who may use the socket besides root. */
export function socketGroup(groupFile: string): number {
  let text = '';
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return 0;
  }
  const gids = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name && gid && /^\d+$/.test(gid)) gids.set(name, Number(gid));
  }
  return gids.get('berth') ?? gids.get('docker') ?? 0;
}

function removeOwnSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) rmSync(path, { force: true });
  } catch { /* already gone */ }
}
