import { execFile, spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, writeFileSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TestContext } from 'node:test';
import { removeDir, tempDir, waitFor } from '../helpers/daemon.js';

export const DOCKERD = '/usr/sbin/dockerd';
export const DOCKER_CLI = '/usr/local/bin/docker';

export interface ReferenceDockerd {
  dir: string;
  host: string;
  /** Run the docker CLI against it; resolves with the exit code and output. */
  docker(args: string[], input?: Buffer): Promise<{ code: number; stdout: Buffer; stderr: string }>;
}

/** `name` and the (empty, once the daemon is gone) groups below it, in every cgroup hierarchy. */
function removeEmptyCgroups(name: string): void {
  const roots = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - cgroup2? /.test(l)).map((l) => l.split(' ')[4]!);
  for (const root of roots) {
    const top = join(root, name);
    if (!existsSync(top)) continue;
    const dirs = readdirSync(top, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(top, e.name));
    for (const d of [...dirs, top]) {
      try { rmdirSync(d); } catch { /* still in use: left, and the leak check says so */ }
    }
  }
}

/** Why the reference daemon cannot run here, or null when it can. */
export function referenceSkipReason(): string | null {
  if (!existsSync(DOCKERD)) return `${DOCKERD} is not installed`;
  if (!existsSync(DOCKER_CLI)) return `${DOCKER_CLI} is not installed`;
  if (process.getuid?.() !== 0) return 'the reference dockerd needs root';
  return null;
}

/**
 * dockerd 20.10 on its own socket, data root, exec root and pidfile in a temp dir,
 * with no bridge, no iptables and (by default) the vfs driver, so it creates nothing
 * outside that dir (no docker0, no chains, no mounts to leak). Stopped by PID and
 * removed (mounts first) when the test ends.
 */
export async function startReferenceDockerd(t: TestContext, opts: { storageDriver?: string } = {}): Promise<ReferenceDockerd> {
  const dir = tempDir(undefined, 'berth-test-dockerd-');
  const sock = join(dir, 'docker.sock');
  const host = `unix://${sock}`;
  const config = join(dir, 'daemon.json');
  writeFileSync(config, '{}');
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  // Its containers' cgroups under a parent of its own (dockerd's default, `docker`,
  // would be left behind in every hierarchy), removed with the daemon.
  const cgroupParent = basename(dir);
  const child = spawn(DOCKERD, [
    '-H', host, '--data-root', join(dir, 'root'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid'),
    '--config-file', config, '--bridge', 'none', '--iptables=false', '--ip-masq=false', '--ip6tables=false',
    '--storage-driver', opts.storageDriver ?? 'vfs', '--userland-proxy=false', '--cgroup-parent', cgroupParent,
  ], { stdio: ['ignore', log, log], detached: false });
  closeSync(log);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    removeEmptyCgroups(cgroupParent);
    removeDir(dir);
  });
  const docker: ReferenceDockerd['docker'] = (args, input) => new Promise((resolve, reject) => {
    const p = execFile(DOCKER_CLI, args, { env: { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(dir, 'cli') }, encoding: 'buffer', maxBuffer: 1 << 30 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        if (err && code === -1) reject(err);
        else resolve({ code, stdout, stderr: stderr.toString() });
      });
    if (input) p.stdin!.end(input);
    else p.stdin!.end();
  });
  await waitFor('the reference dockerd to answer', async () => {
    if (child.exitCode !== null) throw new Error(`dockerd exited: ${readFileSync(join(dir, 'dockerd.log'), 'utf8').slice(-2000)}`);
    return existsSync(sock) && (await docker(['version', '--format', '{{.Server.Version}}'])).code === 0;
  }, 60_000);
  return { dir, host, docker };
}
