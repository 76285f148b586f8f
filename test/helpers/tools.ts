import { spawn } from 'node:child_process';
import type { TestDaemon } from './daemon.js';

export interface ToolRun { code: number; out: string; err: string }

/**
 * Run a client program (docker-compose, python3 with docker-py, a docker CLI) against
 * the test daemon: a clean environment that names only the daemon's socket and a
 * home of the test's own, so nothing of the machine's docker config leaks in.
 */
export function runTool(d: Pick<TestDaemon, 'dir' | 'host'>, file: string, args: string[],
  opts: { cwd?: string; input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(file, args, {
      cwd: opts.cwd ?? d.dir, stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: d.dir, DOCKER_HOST: d.host, ...opts.env },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { err += c; });
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    p.on('error', reject);
    p.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, out, err }); });
    p.stdin.end(opts.input ?? '');
  });
}
