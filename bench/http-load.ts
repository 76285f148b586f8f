import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 client load over a unix socket or TCP, hand-written rather than
 * Node's http client so it spends little CPU on this 2-core machine. Understands
 * Content-Length and chunked bodies, which is all the servers measured send.
 */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  errors: number;
}

/** A unix socket's path, or a TCP address. */
export type LoadTarget = string | { host: string; port: number };

function open(target: LoadTarget): Socket {
  return typeof target === 'string' ? connect(target) : connect({ host: target.host, port: target.port, noDelay: true });
}

/**
 * A connection per request (`Connection: close`), each answer read to the server's
 * close: for servers without keep-alive (busybox httpd), so what is measured includes
 * the connection's set-up, as every such client pays. A request that fails on the
 * wire counts as an error and the run goes on. (The API's keep-alive request rates
 * come from the C generator, loadgen.ts.)
 */
export async function httpLoad(target: LoadTarget, path: string, concurrency: number, total: number): Promise<LoadResult> {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: berth-bench\r\nConnection: close\r\n\r\n`);
  let started = 0;
  let done = 0;
  let errors = 0;
  /** One request on a connection of its own; resolves whether it worked or not. */
  const once = (): Promise<void> => new Promise((resolve) => {
    const sock = open(target);
    const chunks: Buffer[] = [];
    let failed = false;
    sock.on('connect', () => sock.write(request));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => { failed = true; });
    sock.on('close', () => {
      const buf = Buffer.concat(chunks);
      const ok = !failed && completeResponse(buf) >= 0 && buf.subarray(9, 12).toString() === '200';
      if (!ok) errors++;
      done++;
      resolve();
    });
  });
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (started < total) {
      started++;
      await once();
    }
  }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { requests: done, seconds, rps: done / seconds, errors };
}

/** Length of the first complete response in `buf`, or -1 if it is not all there yet. */
function completeResponse(buf: Buffer): number {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return -1;
  const head = buf.subarray(0, headEnd).toString('latin1').toLowerCase();
  const bodyStart = headEnd + 4;
  const cl = /\r\ncontent-length: *(\d+)/.exec(head);
  if (cl) {
    const end = bodyStart + Number(cl[1]);
    return buf.length >= end ? end : -1;
  }
  if (head.includes('transfer-encoding: chunked')) {
    let pos = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd < 0) return -1;
      const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
      pos = lineEnd + 2 + size + 2;
      if (pos > buf.length) return -1;
      if (size === 0) return pos;
    }
  }
  return bodyStart; // no body (HEAD, 204, 304)
}
