import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 keep-alive load generator over a unix socket: `concurrency`
 * connections each send the next request as soon as the previous response is
 * complete, until `total` requests are done. Hand-written rather than Node's http
 * client so the client spends as little CPU as possible on this 2-core machine and
 * the daemon, not the client, is what gets measured. Understands Content-Length
 * and chunked bodies, which is all either daemon sends for these routes.
 */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  errors: number;
}

export async function httpLoad(socketPath: string, path: string, concurrency: number, total: number): Promise<LoadResult> {
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: berth-bench\r\n\r\n`);
  let started = 0;
  let done = 0;
  let errors = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, () => new Promise<void>((resolve, reject) => {
    const sock: Socket = connect(socketPath);
    let buf: Buffer = Buffer.alloc(0);
    const next = () => {
      if (started >= total) {
        sock.end();
        resolve();
        return;
      }
      started++;
      sock.write(request);
    };
    sock.on('connect', next);
    sock.on('error', reject);
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        const used = completeResponse(buf);
        if (used < 0) break;
        const status = Number(buf.subarray(9, 12).toString());
        if (status !== 200) errors++;
        buf = buf.subarray(used);
        done++;
        next();
      }
    });
  })));
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
