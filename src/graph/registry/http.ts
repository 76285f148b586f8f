import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Endpoint } from './endpoint.js';

/**
 * One HTTP exchange with a registry over node:http/https (no dependency: the client
 * needs per-registry CAs, streaming bodies and Range, which node's own modules do
 * directly). Redirects are followed (blob GETs often go to a storage backend), and
 * the Authorization header is dropped when a redirect leaves the registry's host.
 */
export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: OutgoingHttpHeaders;
  /** Several buffers go out as they are, without being joined first (large upload chunks). */
  body?: Buffer | string | readonly Buffer[];
  tls?: Endpoint['tls'];
  /** Give up when no response head arrives in this time. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A connection-level failure (refused, reset, TLS, timeout): worth another endpoint or attempt. */
export class TransportError extends Error {
  constructor(message: string, readonly url: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * How long a registry may stay silent (no response head; no body bytes while we
 * read) before the transfer counts as broken: $BERTH_REGISTRY_TIMEOUT in seconds,
 * else `fallbackMs`. dockerd waits forever on a stalled body; berth gives up and
 * retries. The variable lets tests see a stall end in seconds rather than minutes.
 */
export function silenceLimitMs(fallbackMs: number): number {
  const v = Number(process.env['BERTH_REGISTRY_TIMEOUT']);
  return Number.isFinite(v) && v > 0 ? v * 1000 : fallbackMs;
}
const MAX_REDIRECTS = 5;

export async function send(req: HttpRequest): Promise<IncomingMessage> {
  let url = req.url;
  let headers = { ...req.headers };
  for (let hop = 0; ; hop++) {
    const res = await once({ ...req, url, headers });
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.statusCode ?? 0) || !location || hop >= MAX_REDIRECTS) return res;
    res.resume();
    const next = new URL(location, url);
    if (next.host !== new URL(url).host) {
      const { authorization: _drop, ...rest } = headers as Record<string, unknown>;
      headers = rest as OutgoingHttpHeaders;
    }
    url = next.toString();
  }
}

function once(req: HttpRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(req.url);
    const https = u.protocol === 'https:';
    const opts = {
      method: req.method,
      headers: { 'User-Agent': 'berth', ...req.headers },
      agent: https ? httpsAgent : httpAgent,
      signal: req.signal,
      ...(https && req.tls ? req.tls : {}),
    };
    const r = (https ? httpsRequest : httpRequest)(u, opts, (res) => {
      r.setTimeout(0);
      resolve(res);
    });
    r.setTimeout(req.timeoutMs ?? silenceLimitMs(DEFAULT_TIMEOUT_MS), () => {
      r.destroy(new TransportError(`${titleCase(req.method)} "${req.url}": net/http: request canceled (Client.Timeout exceeded while awaiting headers)`, req.url));
    });
    r.on('error', (err) => {
      if (err instanceof TransportError || req.signal?.aborted) reject(err);
      else reject(new TransportError(`${req.method === 'HEAD' ? 'Head' : titleCase(req.method)} "${req.url}": ${describe(err)}`, req.url, { cause: err }));
    });
    if (Array.isArray(req.body)) {
      for (const b of req.body as readonly Buffer[]) r.write(b);
      r.end();
    } else {
      r.end(req.body as Buffer | string | undefined);
    }
  });
}

function titleCase(m: string): string {
  return m[0] + m.slice(1).toLowerCase();
}

/**
 * The server Go's resolver names in a failed lookup: the first nameserver of
 * /etc/resolv.conf, or 127.0.0.1 when there is none (Go's default).
 */
function resolverAddress(): string {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // No resolv.conf: Go falls back to the local resolver too.
  }
  const ns = /^\s*nameserver\s+(\S+)/m.exec(text)?.[1] ?? '127.0.0.1';
  return ns.includes(':') ? `[${ns}]:53` : `${ns}:53`;
}

/** Node's errors in the words Go's net/http uses, which is what dockerd prints. */
export function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${err.message.replace(/^connect ECONNREFUSED /, '')}: connect: connection refused`;
  if (err.code === 'ENOTFOUND') return `dial tcp: lookup ${(err as { hostname?: string }).hostname ?? ''} on ${resolverAddress()}: no such host`;
  if (err.code === 'ECONNRESET') return 'read: connection reset by peer';
  if (err.code === 'EPROTO' || /wrong version number|packet length too long/.test(err.message)) return 'http: server gave HTTP response to HTTPS client';
  return err.message;
}

/** Read a whole (small) body, refusing more than `limit` bytes. */
export async function readBody(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length'] ?? -1);
  if (declared > limit) {
    res.destroy();
    throw new BodyTooLarge(`${what} exceeds the ${limit}-byte limit (${declared} bytes)`);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  // A body that stops coming (a stalled registry) is a transport failure, not a hang.
  const quiet = silenceLimitMs(DEFAULT_TIMEOUT_MS);
  const socket = res.socket;
  const url = urlOf(res);
  const method = titleCase((res as IncomingMessage & { req?: { method?: string } }).req?.method ?? 'GET');
  res.setTimeout(quiet, () => res.destroy(new TransportError(`${method} "${url}": the registry sent no data for ${Math.round(quiet / 1000)}s`, url)));
  try {
    for await (const c of res as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > limit) {
        res.destroy();
        throw new BodyTooLarge(`${what} exceeds the ${limit}-byte limit`);
      }
      chunks.push(c);
    }
  } finally {
    // The socket goes back to the keep-alive pool: no timer on it any more.
    socket?.setTimeout(0);
  }
  return Buffer.concat(chunks);
}

/** The URL a response answers, for messages. */
function urlOf(res: IncomingMessage): string {
  const req = (res as IncomingMessage & { req?: { protocol?: string; path?: string; getHeader(n: string): unknown } }).req;
  return req ? `${req.protocol ?? 'http:'}//${String(req.getHeader('host') ?? '')}${req.path ?? ''}` : '';
}

export class BodyTooLarge extends Error {}
