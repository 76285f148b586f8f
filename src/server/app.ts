import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { match, type MatchFunction } from 'path-to-regexp';
import { Readable } from 'node:stream';
import type { Engine } from '../engine/engine.js';
import type { JobIO } from '../engine/job.js';
import { InvalidParameter } from '../engine/errors.js';
import { API_VERSION, VERSION } from '../engine/config.js';
import type { Logger } from '../engine/log.js';
import { decodeGoJson, EMPTY, GoJsonSyntaxError } from './go-json.js';
import { Query } from './query.js';
import type { Route, RouteRequest } from './route.js';
import { LazyReply } from './reply.js';
import { isWebSocketRequest, WebSocketReply } from './websocket.js';
import { HijackReply, readUpgradeBody, type UnreadBytes } from './hijack.js';
import { statusOf } from './status.js';
import { jsonErrors, servedVersions, splitVersion } from './version.js';
import type { QuickAnswer, QuickRouter } from './front-door.js';

const MAX_JSON_BODY = 16 << 20;

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The request listener plus the server's 'upgrade' listener (attach and exec start
 * hijack their connection) and the front door's router for quick routes.
 */
export type App = RequestListener & {
  upgrade?: (req: IncomingMessage, socket: Socket, head: Buffer) => void;
  quick?: QuickRouter;
  /** Every request target of the routes marked `porch`, versioned and not. */
  porchTargets?: string[];
};

export interface AppOptions {
  experimental: boolean;
  log: Logger;
  /** The kernel's count of sent bytes a client has not read (hijack.ts says why it matters). */
  unreadBytes?: UnreadBytes;
}

type Params = Partial<Record<string, string | string[]>>;

interface Compiled {
  route: Route;
  match: MatchFunction<Params>;
}

/**
 * A route's response headers, merged once at construction: as an object (for
 * errors and streams) and as the flat `[name, value, ...]` list `writeHead` takes
 * without re-walking an object on every request.
 */
interface Prepared {
  headers: OutgoingHttpHeaders;
  raw: string[];
}

const EMPTY_PARAMS: Params = Object.freeze({}) as Params;

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** What a quick route's `args` is given: nothing of the request (it reads none). */
const QUICK_REQUEST: RouteRequest = Object.freeze({
  params: NO_PARAMS, query: new Query(''), body: undefined, headers: {}, version: API_VERSION, stream: Readable.from([]),
});

/**
 * JSON bodies of quick answers by the result they were made from: a quick job may hand
 * back the same (unchanging) object while nothing changed, such as the image list, and
 * then its text is made once instead of per request.
 */
const quickBodies = new WeakMap<object, string>();

function jsonBody(result: unknown): string {
  if (typeof result !== 'object' || result === null) return JSON.stringify(result) + '\n';
  let body = quickBodies.get(result);
  if (body === undefined) quickBodies.set(result, (body = JSON.stringify(result) + '\n'));
  return body;
}

/**
 * The Engine API as a node:http request listener: every route in the table becomes
 * one job run. Fails at construction if a route names a job nobody registered.
 *
 * Why not Express: measured on this machine (docs/ARCHITECTURE.md), Express 5 serves
 * a bare `/_ping` at about 8k requests/s where node:http serves 47k and dockerd 35k.
 * The route table keeps path-to-regexp (Express's own matcher); the dispatch around
 * it is this file.
 */
export function createApp<C>(engine: Engine<C>, routes: Route[], opts: AppOptions): App {
  for (const r of routes) {
    if (!engine.has(r.job)) throw new Error(`route ${r.method.toUpperCase()} ${r.path} names unregistered job ${r.job}`);
  }
  // Paths without parameters are looked up exactly, so they always win over wildcards
  // (`/images/json` before `/images/*name`); the others are tried in table order.
  const exact = new Map<string, Route>();
  const patterns = new Map<string, Compiled[]>();
  for (const r of routes) {
    const method = r.method.toUpperCase();
    if (!/[:*{]/.test(r.path)) {
      const key = `${method} ${r.path}`;
      if (!exact.has(key)) exact.set(key, r);
      continue;
    }
    const list = patterns.get(method) ?? [];
    list.push({ route: r, match: match<Params>(r.path, { decode: decodeURIComponent }) });
    patterns.set(method, list);
  }
  const common: OutgoingHttpHeaders = {
    'Api-Version': API_VERSION,
    'Docker-Experimental': String(opts.experimental),
    'Ostype': 'linux',
    'Server': `berth/${VERSION} (linux)`,
  };
  const prepared = new Map<Route, Prepared>();
  for (const r of routes) {
    const headers = r.headers ? { ...common, ...r.headers } : common;
    prepared.set(r, { headers, raw: Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : [k, String(v)])) });
  }

  const find = (method: string, path: string): { route: Route; params: Params } | undefined => {
    const r = exact.get(`${method} ${path}`) ?? (path.length > 1 && path.endsWith('/') ? exact.get(`${method} ${path.slice(0, -1)}`) : undefined);
    if (r) return { route: r, params: EMPTY_PARAMS };
    for (const c of patterns.get(method) ?? []) {
      const m = c.match(path);
      if (m) return { route: c.route, params: m.params };
    }
    return undefined;
  };

  const app: App = (req, res) => {
    let version: string;
    let path: string;
    let search: string;
    try {
      const split = splitVersion(req.url ?? '/');
      version = split.version;
      const q = split.url.indexOf('?');
      path = q < 0 ? split.url : split.url.slice(0, q);
      search = q < 0 ? '' : split.url.slice(q + 1);
    } catch (err) {
      sendError(res, err, opts.log, common, jsonErrors(req.url ?? '/'));
      return;
    }
    const method = req.method ?? 'GET';
    let found: { route: Route; params: Params } | undefined;
    try {
      found = find(method, path) ?? (method === 'HEAD' ? find('GET', path) : undefined);
    } catch {
      found = undefined; // a malformed %-escape in the path matches nothing
    }
    if (!found) {
      // dockerd's answer for a path it has no route for.
      sendJson(res, 404, { message: 'page not found' }, common);
      return;
    }
    void dispatch(engine, found.route, found.params, version, search, req, res, opts.log, prepared.get(found.route)!);
  };

  // Probes answered by the front door: the same job, headers and errors as dispatch's.
  app.quick = (method, target) => {
    if (target.includes('?')) return undefined;
    let split: { version: string; url: string };
    try {
      split = splitVersion(target);
    } catch {
      return undefined; // node:http's path gives the version error
    }
    const r = exact.get(`${method} ${split.url}`) ?? (method === 'HEAD' ? exact.get(`GET ${split.url}`) : undefined);
    if (!r?.quick) return undefined;
    const prep = prepared.get(r)!;
    const args = r.args({ ...QUICK_REQUEST, version: split.version });
    const text = r.reply === 'text';
    return engine.job(r.job, args as never).then(
      (result): QuickAnswer => text
        ? { status: r.ok ?? 200, raw: prep.raw, contentType: 'text/plain; charset=utf-8', body: String(result) }
        : { status: r.ok ?? 200, raw: prep.raw, contentType: 'application/json', body: jsonBody(result) },
      (err: unknown): QuickAnswer => {
        const status = statusOf(err);
        if (status === 500) opts.log.debug(`internal error: ${(err as Error)?.stack ?? String(err)}`);
        return { status, raw: prep.raw, contentType: 'application/json', body: JSON.stringify({ message: err instanceof Error ? err.message : String(err) }) + '\n' };
      });
  };

  app.porchTargets = routes.filter((r) => r.porch && r.quick && r.method === 'get')
    .flatMap((r) => [r.path, ...servedVersions().map((v) => `/v${v}${r.path}`)]);

  // `Connection: Upgrade` requests (the CLI's attach and exec start) arrive here instead.
  app.upgrade = (req, socket, head) => {
    socket.on('error', () => { /* the client went away; the job sees its abort signal */ });
    const fail = (err: unknown) => new HijackReply(socket, false, common).fail(err);
    let split: { version: string; url: string };
    try {
      split = splitVersion(req.url ?? '/');
    } catch (err) {
      fail(err);
      return;
    }
    const q = split.url.indexOf('?');
    const path = q < 0 ? split.url : split.url.slice(0, q);
    let found: { route: Route; params: Params } | undefined;
    try {
      found = find(req.method ?? 'GET', path);
    } catch {
      found = undefined;
    }
    const reply = found?.route.reply;
    const kind = reply === 'hijack' ? 'hijack' : reply === 'websocket' && isWebSocketRequest(req) ? 'websocket' : null;
    if (!found || !kind) {
      fail(new InvalidParameter(found ? 'this endpoint does not upgrade the connection' : 'page not found'));
      return;
    }
    void takeOver(kind, engine, found.route, found.params, split.version, q < 0 ? '' : split.url.slice(q + 1), req, socket, head, opts, prepared.get(found.route)!);
  };
  return app;
}

/**
 * One job that takes its connection over: hijacked (attach, exec start: the job reads
 * the client's stdin from the socket and writes the raw stream to it) or a websocket
 * (attach/ws: its stdin is the client's messages, its output goes out as binary
 * messages). The connection ends with the job; a failure before the head went out is
 * a plain HTTP answer.
 */
async function takeOver<C>(
  kind: 'hijack' | 'websocket', engine: Engine<C>, r: Route, params: Params, version: string, search: string,
  req: IncomingMessage, socket: Socket, head: Buffer, opts: AppOptions, prep: Prepared,
): Promise<void> {
  const ws = kind === 'websocket' ? new WebSocketReply(req, socket, head, prep.headers) : null;
  const out = ws ?? new HijackReply(socket, true, prep.headers, opts.unreadBytes);
  out.on('error', () => { /* the client went away */ });
  let args: unknown;
  try {
    // exec start sends a JSON body before the stream; a websocket request has none.
    const body = ws ? undefined : parseJson(await readUpgradeBody(req, socket, head));
    args = r.args({ params: flattenParams(params), query: new Query(search), body, headers: req.headers, version, stream: socket });
  } catch (err) {
    out.fail(err);
    return;
  }
  const abort = new AbortController();
  socket.once('close', () => abort.abort());
  try {
    await engine.job(r.job, args as never, { stdin: ws ? ws.input : socket, stdout: out, signal: abort.signal });
    if (!out.writableEnded) out.end();
  } catch (err) {
    opts.log.debug(`${kind} ${r.job} failed: ${(err as Error).message}`);
    out.fail(err);
  }
}

async function dispatch<C>(
  engine: Engine<C>, r: Route, params: Params, version: string, search: string,
  req: IncomingMessage, res: ServerResponse, log: Logger, prep: Prepared,
): Promise<void> {
  const headers = prep.headers;
  const reply = r.reply ?? 'json';
  let args: unknown;
  try {
    const wantsJson = (r.body ?? (r.method === 'post' || r.method === 'put' ? 'json' : 'none')) === 'json';
    const rr: RouteRequest = {
      params: flattenParams(params),
      query: new Query(search),
      body: wantsJson ? await readJson(req) : undefined,
      headers: req.headers,
      version,
      stream: req,
    };
    args = r.args(rr);
  } catch (err) {
    sendError(res, err, log, headers, jsonErrors(version));
    return;
  }

  // x/net/websocket's answer to a plain request, which dockerd's attach/ws gives.
  if (reply === 'websocket') {
    sendError(res, new InvalidParameter('not websocket protocol'), log, headers, jsonErrors(version));
    return;
  }
  // A hijack route reached without `Upgrade` streams its output as the body; stdin is the request body.
  const stdin = r.body === 'stream' || reply === 'hijack' ? req : undefined;
  const io = new RequestIO(stdin, res);

  if (reply === 'json' || reply === 'text' || reply === 'empty') {
    try {
      const result = await engine.job(r.job, args as never, io);
      if (reply === 'empty') {
        res.writeHead(r.ok ?? 204, headers);
        res.end();
      } else if (reply === 'text') {
        writeBody(res, r.ok ?? 200, prep.raw, 'text/plain; charset=utf-8', String(result));
      } else {
        writeBody(res, r.ok ?? 200, prep.raw, 'application/json', JSON.stringify(result) + '\n');
      }
    } catch (err) {
      sendError(res, err, log, headers, jsonErrors(version));
    }
    return;
  }

  for (const [k, v] of Object.entries(headers)) if (v !== undefined) res.setHeader(k, v);
  const contentType = r.contentType ?? (reply === 'json-stream' ? 'application/json' : reply === 'hijack' ? 'application/vnd.docker.raw-stream' : 'application/octet-stream');
  const out = new LazyReply(res, r.ok ?? 200, contentType);
  out.on('error', () => { /* the client went away; the job sees its abort signal */ });
  try {
    await engine.job(r.job, args as never, { stdin, stdout: out, signal: clientGone(res) });
    if (!out.writableEnded) out.end();
  } catch (err) {
    if (!out.started) {
      sendError(res, err, log, {}, jsonErrors(version));
    } else if (reply === 'json-stream' && !out.destroyed) {
      // Mid-stream failures travel in the stream itself, the way the CLI expects them.
      const message = (err as Error).message;
      out.end(JSON.stringify({ errorDetail: { message }, error: message }) + '\r\n');
    } else {
      res.destroy();
    }
  }
}

/**
 * The io of a job that answers in one piece. A class, not an object literal with a
 * getter: measured on /_ping, the literal (a fresh accessor and a closure over the
 * whole request per call) cost about 20 µs of GC per request, a third of the total.
 */
class RequestIO implements JobIO {
  constructor(readonly stdin: Readable | undefined, private readonly res: ServerResponse) {}

  /** Made on first use: most jobs never look. */
  get signal(): AbortSignal {
    return clientGone(this.res);
  }
}

const gone = new WeakMap<ServerResponse, AbortSignal>();

/**
 * A signal aborted when the client goes away before its answer is complete. Made on
 * demand (a getter in the job's io), since most requests finish without anyone asking.
 */
function clientGone(res: ServerResponse): AbortSignal {
  let signal = gone.get(res);
  if (signal) return signal;
  const abort = new AbortController();
  signal = abort.signal;
  gone.set(res, signal);
  if (res.closed) {
    if (!res.writableFinished) abort.abort();
  } else {
    res.once('close', () => { if (!res.writableFinished) abort.abort(); });
  }
  return signal;
}

/** One complete answer: the route's headers plus the body's type and length, one writeHead. */
function writeBody(res: ServerResponse, status: number, raw: string[], contentType: string, body: string): void {
  res.writeHead(status, [...raw, 'Content-Type', contentType, 'Content-Length', String(Buffer.byteLength(body))]);
  res.end(body);
}

/** `*name` wildcards arrive as segment arrays in path-to-regexp v8; rejoin them. */
function flattenParams(params: Params): Record<string, string> {
  if (params === EMPTY_PARAMS) return NO_PARAMS;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join('/') : v;
  return out;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw new InvalidParameter('request body is too large');
    chunks.push(chunk);
  }
  return parseJson(Buffer.concat(chunks));
}

/** The body as dockerd's json.Decoder reads it (go-json.ts); undefined when it is empty. */
function parseJson(raw: Buffer): unknown {
  try {
    const value = decodeGoJson(raw);
    return value === EMPTY ? undefined : value;
  } catch (err) {
    if (err instanceof GoJsonSyntaxError) throw new InvalidParameter(err.message);
    throw err;
  }
}

/** A JSON answer as dockerd writes it: the value and a newline. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
  const body = JSON.stringify(value) + '\n';
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendError(res: ServerResponse, err: unknown, log: Logger, headers: OutgoingHttpHeaders = {}, json = true): void {
  const status = statusOf(err);
  if (status === 500) log.debug(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 304) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    sendJson(res, status, { message }, headers);
    return;
  }
  // Go's http.Error, as dockerd answers clients older than API 1.24.
  const body = `${message}\n`;
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
