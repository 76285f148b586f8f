import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LoadResult } from './http-load.js';

/**
 * Connections per second through ApacheBench (Debian's apache2-utils), for servers
 * that close every connection (busybox httpd). Opening a TCP connection per request
 * costs a Node client several times what it costs ab's C loop, and the client shares
 * this machine's two cores with the server it loads: the cheaper the client, the more
 * of the figure is the path being measured. ab without -k opens a connection per
 * request, stops after `total`, and counts failures and non-2xx answers itself.
 */
const pexec = promisify(execFile);
export const AB = '/usr/bin/ab';

function field(out: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(out);
  return m ? Number(m[1]) : 0;
}

export async function abLoad(host: string, port: number, path: string, concurrency: number, total: number): Promise<LoadResult> {
  // -r: a failed socket read counts as a failure instead of ending the run.
  const { stdout } = await pexec(AB, ['-q', '-r', '-n', String(total), '-c', String(concurrency), `http://${host}:${port}${path}`], {
    encoding: 'utf8', maxBuffer: 1 << 20,
  });
  const requests = field(stdout, 'Complete requests');
  const seconds = field(stdout, 'Time taken for tests');
  if (!requests || !seconds) throw new Error(`ab printed no figures for ${host}:${port}: ${stdout.slice(-400)}`);
  const errors = field(stdout, 'Failed requests') + field(stdout, 'Non-2xx responses') + (total - requests);
  return { requests, seconds, rps: requests / seconds, errors };
}
