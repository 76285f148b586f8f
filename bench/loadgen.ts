import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadResult } from './http-load.js';

/**
 * The API request rates' load generator: bench/loadgen.c, built here with the C
 * compiler the native build already needs. Both daemons are measured with it. It
 * costs about 3 µs of CPU per request where the Node generator the bench used before
 * cost about 20, and on this 2-core machine the client's CPU is taken from the server's:
 * with the Node one, even a server that costs nothing showed only 1.86× dockerd's
 * rate (docs/ARCHITECTURE.md, "The front door").
 */
const pexec = promisify(execFile);

export interface LoadGen {
  /** `concurrency` keep-alive connections GET `path` until `total` are answered. */
  run(socket: string, path: string, concurrency: number, total: number): Promise<LoadResult>;
}

export async function buildLoadGen(repoRoot: string, workDir: string): Promise<LoadGen> {
  mkdirSync(workDir, { recursive: true });
  const bin = join(workDir, 'berth-loadgen');
  await pexec('cc', ['-O2', '-Wall', '-o', bin, join(repoRoot, 'bench', 'loadgen.c')]);
  return {
    async run(socket, path, concurrency, total) {
      const { stdout } = await pexec(bin, [`unix:${socket}`, path, String(concurrency), String(total)], { encoding: 'utf8' });
      const [requests, seconds, errors] = stdout.trim().split(' ').map(Number) as [number, number, number];
      if (!requests || !seconds) throw new Error(`berth-loadgen printed no figures for ${socket}${path}: ${stdout}`);
      return { requests, seconds, rps: requests / seconds, errors };
    },
  };
}
