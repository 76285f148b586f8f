import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildContext } from './build.js';
import { median } from './stats.js';

/**
 * The docker CLI's own floor for two of the measured commands: `docker exec c true`
 * and the fully cached `docker build`, run against a stub API server that answers
 * every request the moment it has read it. No daemon can answer faster than this
 * stub, so a figure here is the least time the command can take through the CLI on
 * this machine, whatever the daemon; it tells what part of a target the CLI leaves
 * to the daemon. The stub (./cli-floor-stub.ts) knows only the requests those two
 * commands make.
 */
const pexec = promisify(execFile);
const DOCKER = '/usr/local/bin/docker';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

export interface CliFloor {
  execMs: number;
  cachedBuildMs: number;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The two commands against the stub, medians of RUNS after a warm-up. */
export async function measureCliFloor(): Promise<CliFloor> {
  const socket = `/tmp/berth-bench-cli-floor-${process.pid}.sock`;
  const stub = spawn(process.execPath, [join(import.meta.dirname, 'cli-floor-stub.js'), socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    stub.stdout.once('data', () => resolve());
    stub.once('exit', (code) => reject(new Error(`the CLI floor stub exited (${code})`)));
  });
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CLI_HINTS: 'false', DOCKER_BUILDKIT: '0' };
  const docker = (args: string[]) => pexec(DOCKER, args, { env, maxBuffer: 1 << 20 });
  try {
    const ctx = buildContext();
    const runs = async (args: string[]): Promise<number> => {
      await docker(args);
      const ms: number[] = [];
      for (let i = 0; i < RUNS; i++) ms.push(await timed(() => docker(args)));
      return median(ms);
    };
    return {
      execMs: await runs(['exec', 'sleeper', 'true']),
      cachedBuildMs: await runs(['build', '--network', 'none', '-t', 'berth-bench/build:cached', ctx]),
    };
  } finally {
    stub.kill('SIGTERM');
  }
}
