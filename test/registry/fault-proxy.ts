import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { TestRegistry } from './registry.js';

/**
 * An HTTP proxy on a loopback port in front of a test registry, that passes
 * requests through or breaks the responses the test picks: bytes flipped, the
 * connection cut after some bytes, silence after some bytes, a slow trickle, or an
 * answer of its own. Clients address the proxy as the registry (`proxy.host/repo`),
 * so berth and dockerd see a misbehaving registry. It records every request (with
 * its Range header) so a test can tell a resumed download from a fresh one.
 */
export type Fault =
  /** Flip one byte of the body, at `at` (default: the middle). */
  | { kind: 'flip'; at?: number }
  /** Send the head and `after` body bytes, then reset the connection. */
  | { kind: 'cut'; after: number }
  /** Send the head and `after` body bytes, then nothing, keeping the connection open. */
  | { kind: 'stall'; after: number }
  /** Pass the body at about this many bytes per second. */
  | { kind: 'slow'; bytesPerSec: number }
  /** Ask the registry without the Range header (a registry that ignores Range). */
  | { kind: 'noRange' }
  /** Never answer (not even the head); the connection stays open. */
  | { kind: 'hang' }
  /** Answer without asking the registry. */
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body: Buffer | string };

export interface Seen { method: string; path: string; range?: string; fault?: Fault['kind'] }

export interface FaultProxy {
  host: string;
  seen: Seen[];
  /** Decide per request; undefined passes it through untouched. */
  rule: (req: { method: string; path: string; headers: IncomingHttpHeaders }) => Fault | undefined;
  /** Requests whose response is still open (a stalled or slow body). */
  readonly open: number;
}

const isBlob = (path: string): boolean => /\/blobs\/sha256:[0-9a-f]{64}$/.test(path);
const isManifest = (path: string): boolean => /\/manifests\/[^/]+$/.test(path);

/** Rule helpers: the first GET of the blob `digest` (or of any blob) gets `fault`. */
export function onBlob(digest: string | undefined, fault: Fault, times = 1): FaultProxy['rule'] {
  let left = times;
  return ({ method, path }) => {
    if (method !== 'GET' || !isBlob(path) || (digest && !path.endsWith(digest)) || left <= 0) return undefined;
    left--;
    return fault;
  };
}

export function onManifest(fault: Fault): FaultProxy['rule'] {
  return ({ method, path }) => (method === 'GET' && isManifest(path) ? fault : undefined);
}

export async function startFaultProxy(t: TestContext, reg: TestRegistry): Promise<FaultProxy> {
  const upstream = new URL(reg.url);
  let open = 0;
  const proxy: FaultProxy = {
    host: '',
    seen: [],
    rule: () => undefined,
    get open() { return open; },
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const fault = proxy.rule({ method: req.method ?? 'GET', path, headers: req.headers });
    proxy.seen.push({ method: req.method ?? '', path, ...(req.headers.range ? { range: req.headers.range } : {}), ...(fault ? { fault: fault.kind } : {}) });
    if (fault?.kind === 'hang') {
      open++;
      res.once('close', () => { open--; });
      return;
    }
    if (fault?.kind === 'answer') {
      const body = Buffer.from(fault.body);
      // A header given as '' is left out (no Content-Length: a chunked body).
      const head = Object.entries({ 'content-length': String(body.length), ...fault.headers }).filter(([, v]) => v !== '');
      res.writeHead(fault.status, Object.fromEntries(head)).end(body);
      return;
    }
    const headers = { ...req.headers };
    if (fault?.kind === 'noRange') delete headers.range;
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      open++;
      res.once('close', () => { open--; ur.destroy(); });
      relay(ur, res, fault?.kind === 'noRange' ? undefined : fault);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  proxy.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** Copy the upstream body to the client, breaking it as `fault` says. */
function relay(ur: NodeJS.ReadableStream, res: ServerResponse, fault: Fault | undefined): void {
  let sent = 0;
  let broken = false;
  if (!fault) { ur.pipe(res); return; }
  ur.on('data', (chunk: Buffer) => {
    if (res.destroyed) return;
    const start = sent;
    sent += chunk.length;
    switch (fault.kind) {
      case 'flip': {
        const at = fault.at ?? -1;
        if (at >= start && at < sent) chunk = Buffer.from(chunk), chunk[at - start]! ^= 0xff;
        else if (at < 0 && start === 0) chunk = Buffer.from(chunk), chunk[chunk.length >> 1]! ^= 0xff;
        res.write(chunk);
        return;
      }
      case 'cut':
      case 'stall': {
        if (sent <= fault.after) { res.write(chunk); return; }
        if (start < fault.after) res.write(chunk.subarray(0, fault.after - start));
        broken = true;
        ur.pause();
        ur.removeAllListeners('data');
        // A cut resets the connection once the bytes are out; a stall just stops.
        if (fault.kind === 'cut') setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      case 'slow': {
        res.write(chunk);
        ur.pause();
        setTimeout(() => ur.resume(), Math.ceil((chunk.length / fault.bytesPerSec) * 1000));
        return;
      }
    }
  });
  ur.on('end', () => { if (!res.destroyed && !broken) res.end(); });
}
