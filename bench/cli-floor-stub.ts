import { rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';

/*
 * The stub API server of bench/cli-floor.ts, run as a process of its own (as a daemon
 * is): `node cli-floor-stub.js SOCKET`, "ready" on stdout once it listens. Served from
 * inside the bench process, the same cached build took twice as long (125-135 ms
 * against 65-75): the bench's own process is not where a daemon runs.
 */

const HEADERS = 'Api-Version: 1.41\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: cli-floor\r\n';
const EXEC_ID = 'e'.repeat(64);
const IMAGE_ID = 'f'.repeat(64);

function answer(s: Socket, status: string, type: string, body: string, head = false): void {
  s.write(`HTTP/1.1 ${status}\r\n${HEADERS}Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${head ? '' : body}`);
}

/** The answer to one complete request; false when the connection is done (hijacked). */
function respond(s: Socket, method: string, url: string): boolean {
  const json = (status: string, body: unknown): void => answer(s, status, 'application/json', JSON.stringify(body));
  const path = url.replace(/^\/v[\d.]+/, '').split('?')[0]!;
  if (path === '/_ping') answer(s, '200 OK', 'text/plain; charset=utf-8', 'OK', method === 'HEAD');
  else if (/^\/containers\/[^/]+\/json$/.test(path)) json('200 OK', { Id: 'c'.repeat(64), State: { Running: true, Paused: false, Restarting: false }, Config: {}, HostConfig: {} });
  else if (/^\/containers\/[^/]+\/exec$/.test(path)) json('201 Created', { Id: EXEC_ID });
  else if (/^\/exec\/[^/]+\/json$/.test(path)) json('200 OK', { ID: EXEC_ID, Running: false, ExitCode: 0, Pid: 1 });
  else if (/^\/exec\/[^/]+\/start$/.test(path)) {
    // The hijacked stream of a `true`: nothing, then the end.
    s.end('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
    return false;
  } else if (path === '/build') {
    const tag = new URLSearchParams(url.split('?')[1] ?? '').get('t') ?? 'x';
    const lines = [`Successfully built ${IMAGE_ID.slice(0, 12)}\n`, `Successfully tagged ${tag}\n`];
    answer(s, '200 OK', 'application/json', lines.map((l) => `${JSON.stringify({ stream: l })}\r\n`).join(''));
  } else json('404 Not Found', { message: `the CLI floor stub does not serve ${method} ${path}` });
  return true;
}

/**
 * Reads requests and answers each once its body (Content-Length or chunked) has been
 * read to its end. Body bytes are skipped where they lie, never gathered: the 20 MB
 * of a build context cost the stub no copies.
 */
function serve(s: Socket): void {
  let head = '';
  let req: { method: string; url: string } | null = null;
  // Body bytes still to skip, and the chunked state: a size line is being read, or
  // the CRLF after a chunk's data, or the last chunk's closing CRLF.
  let skip = 0;
  let chunked: 'size' | 'data' | 'last' | null = null;
  let line = '';
  s.on('error', () => s.destroy());
  s.on('data', (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (!req) {
        head += chunk.toString('latin1', at);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        at = chunk.length - (head.length - end - 4);
        const [method = '', url = ''] = head.split(' ');
        req = { method, url };
        const length = /\r\ncontent-length: *(\d+)/i.exec(head.slice(0, end));
        chunked = /\r\ntransfer-encoding: *chunked/i.test(head.slice(0, end)) ? 'size' : null;
        skip = chunked ? 0 : Number(length?.[1] ?? 0);
        head = '';
      }
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        skip -= n;
        at += n;
        if (skip > 0) return;
        // After a chunk's data: its CRLF, then the next size line.
        if (chunked === 'data') { skip = 2; chunked = 'size'; continue; }
      }
      if (chunked === 'size' || chunked === 'last') {
        const nl = chunk.indexOf(10, at);
        if (nl < 0) { line += chunk.toString('latin1', at); return; }
        line += chunk.toString('latin1', at, nl);
        at = nl + 1;
        const size = parseInt(line.trim(), 16);
        line = '';
        if (chunked === 'size' && size > 0) { skip = size; chunked = 'data'; continue; }
        // The zero-size chunk, then the empty line that ends the (empty) trailer.
        if (chunked === 'size') { chunked = 'last'; continue; }
        chunked = null;
      }
      const done = req;
      req = null;
      if (!respond(s, done.method, done.url)) return;
    }
  });
}

const socket = process.argv[2];
if (!socket) throw new Error('usage: cli-floor-stub.js SOCKET');
rmSync(socket, { force: true });
const server = createServer(serve);
server.listen(socket, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  server.close();
  rmSync(socket, { force: true });
  process.exit(0);
});
