import { connect } from 'node:net';

/** What a load run reports (ab-load.ts, loadgen.ts). */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  errors: number;
}

/** A TCP address to load. */
export interface LoadTarget {
  host: string;
  port: number;
}

/**
 * Whether one `GET path` on a connection of its own (`Connection: close`, as busybox
 * httpd serves) gets a complete 200 answer before the server closes: the check that a
 * server is up before it is loaded. Never rejects. (The load itself comes from ab and
 * from the C generator, loadgen.ts.)
 */
export function answersOk(target: LoadTarget, path: string): Promise<boolean> {
  const request = `GET ${path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: berth-bench\r\nConnection: close\r\n\r\n`;
  return new Promise((resolve) => {
    const sock = connect({ host: target.host, port: target.port, noDelay: true });
    const chunks: Buffer[] = [];
    let failed = false;
    sock.on('connect', () => sock.write(request));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => { failed = true; });
    sock.on('close', () => {
      const buf = Buffer.concat(chunks);
      resolve(!failed && complete(buf) && buf.subarray(9, 12).toString() === '200');
    });
  });
}

/** Whether `buf` holds a whole answer: its head and the Content-Length it announces (all of it, without one). */
function complete(buf: Buffer): boolean {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return false;
  const cl = /\r\ncontent-length: *(\d+)/.exec(buf.subarray(0, headEnd).toString('latin1').toLowerCase());
  return !cl || buf.length >= headEnd + 4 + Number(cl[1]);
}
