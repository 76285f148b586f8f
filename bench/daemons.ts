import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { sweepNetwork } from '../test/helpers/network.js';
import { benchNames, freeSubnet, gatewayCidr } from './bridge.js';

/**
 * The daemons a benchmark run compares: berth built from this tree, and a reference
 * dockerd. Both get their own temporary socket, data root, exec root and pidfile, so
 * the run touches nothing it did not make. berth gets a bridge and iptables chains
 * named for this run (the network section uses them; the others run `--network none`);
 * the reference runs with its bridge and iptables off, and the network section starts
 * a second one on a bridge it made (startReference's `bridge`).
 */
export interface BenchDaemon {
  name: string;
  socket: string;
  /** Its temporary root (data, exec root, socket): engine processes are found by it. */
  dir: string;
  version: string;
  stop(): Promise<void>;
}

const repoRoot = resolve(import.meta.dirname, '..', '..');

/** `extra`: more daemon flags, for trying a configuration beside the default one. */
export async function startBerth(extra: string[] = []): Promise<BenchDaemon> {
  const dir = mkdtempSync('/tmp/berth-bench-');
  const socket = join(dir, 'berth.sock');
  // Names no test daemon uses (their leak check matches berth* links and BERTH* chains).
  const net = { ...benchNames(), bip: gatewayCidr(await freeSubnet()) };
  const child = spawn(process.execPath, [
    join(repoRoot, 'dist/src/cli/main.js'), '-d',
    '-H', `unix://${socket}`,
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'berth.pid'),
    '--cgroup-parent', `berth-bench-${process.pid}`,
    '--bridge-name', net.bridge, '--iptables-chain-prefix', net.prefix, '--bip', net.bip, '--ip-forward=false',
    '--log-level', 'warn', ...extra,
  ], { stdio: ['ignore', 'ignore', openSync(join(dir, 'daemon.log'), 'a')] });
  // A clean stop removes the bridge and chains itself; this finds them only after a kill.
  return await ready('berth', child, dir, socket, () => sweepNetwork(net, join(dir, 'data')));
}

/**
 * A reference dockerd: the one REF_DOCKER_HOST points at (left running), or else
 * /usr/sbin/dockerd started here on temporary roots. Null when neither is there.
 * With `bridge`, always one started here, on that (existing) bridge with iptables on;
 * the caller removes what it adds to the firewall.
 */
export async function startReference(opts: { bridge?: string } = {}): Promise<BenchDaemon | null> {
  const given = process.env.REF_DOCKER_HOST;
  if (given && !opts.bridge) {
    if (!given.startsWith('unix://')) throw new Error('REF_DOCKER_HOST must be a unix:// address');
    const socket = given.slice('unix://'.length);
    return { name: 'dockerd', socket, dir: socket, version: await serverVersion(socket), stop: async () => {} };
  }
  const binary = '/usr/sbin/dockerd';
  if (!existsSync(binary)) return null;
  const dir = mkdtempSync('/tmp/berth-bench-ref-');
  const socket = join(dir, 'docker.sock');
  const child = spawn(binary, [
    '--host', `unix://${socket}`,
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'docker.pid'),
    ...(opts.bridge ? ['--bridge', opts.bridge] : ['--bridge', 'none', '--iptables=false', '--ip-masq=false']),
    '--ip-forward=false', '--cgroup-parent', `/berth-bench-${process.pid}`,
    '--log-level', 'warn',
  ], { stdio: ['ignore', 'ignore', openSync(join(dir, 'daemon.log'), 'a')] });
  return await ready('dockerd', child, dir, socket);
}

async function ready(name: string, child: ChildProcess, dir: string, socket: string, afterExit = (): void => {}): Promise<BenchDaemon> {
  let exited = false;
  child.on('exit', () => { exited = true; });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(killer);
    }
    afterExit();
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    removeCgroupParent(`berth-bench-${process.pid}`);
  };
  for (let i = 0; i < 300 && !exited; i++) {
    try {
      return { name, socket, dir, version: await serverVersion(socket), stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const log = existsSync(join(dir, 'daemon.log')) ? readFileSync(join(dir, 'daemon.log'), 'utf8') : '';
  await stop();
  throw new Error(`${name} did not start:\n${log.slice(-2000)}`);
}

function serverVersion(socket: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: '/version' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        try {
          resolve(String((JSON.parse(body) as { Version?: string }).Version ?? '?'));
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Lazily unmount whatever the daemon left mounted under its own temporary dir, deepest first. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4])
    .filter((m): m is string => !!m && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {
      // already gone with its parent
    }
  }
}

/** The benchmark daemon's (now empty) cgroup parent in every hierarchy. */
function removeCgroupParent(name: string): void {
  const roots = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .filter((l) => / - cgroup2? /.test(l)).map((l) => l.split(' ')[4]!);
  for (const root of roots) {
    try { rmdirSync(join(root, name)); } catch { /* absent or not ours */ }
  }
}
