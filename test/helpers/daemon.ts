import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Docker from 'dockerode';
import { reapContainers } from './containers.js';
import { unmountUnder } from './mounts.js';
import { networkArgs, sweepNetwork, testNetworkNames, type TestNetworkNames } from './network.js';
import { repoRoot } from './paths.js';

/** The docker CLIs on this machine: 28 (default) and Debian's 20.10. */
export const DOCKER_CLI_28 = '/usr/local/bin/docker';
export const DOCKER_CLI_20 = '/usr/bin/docker';

export interface DaemonOptions {
  /** `-s`: graphdriver; default: let the daemon choose. */
  storageDriver?: string;
  /** Extra command-line arguments after the harness's own. */
  args?: string[];
  /** Replace the harness's -H/--data-root/... entirely (tests of the flags themselves). */
  rawArgs?: (dir: string) => string[];
  /** Don't wait for /_ping (for daemons that are expected to fail to start). */
  noWait?: boolean;
  /** How long to wait for /_ping. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestDaemon {
  dir: string;
  socket: string;
  host: string;
  pidfile: string;
  logPath: string;
  /** The default bridge, iptables chain prefix and --bip this daemon was given. */
  network: TestNetworkNames;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal name) when the daemon process ends. */
  readonly exited: Promise<number | string>;
  /** The daemon's stderr so far. */
  log(): string;
  /** Run the real docker CLI against this daemon (DOCKER_CLI env or CLI 28 by default). */
  docker(args: string[], opts?: { input?: string | Buffer; cli?: string; timeoutMs?: number }): Promise<RunResult>;
  client(): Docker;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM and wait; SIGKILL after the timeout. */
  stop(timeoutMs?: number): Promise<number | string>;
  /** Stop, then start again on the same dirs and arguments. */
  restart(): Promise<void>;
}

/** The compiled entry point; BERTH_MAIN_JS points the harness at another build. */
export const MAIN_JS = process.env['BERTH_MAIN_JS'] ?? join(repoRoot, 'dist/src/cli/main.js');

/**
 * Run `berth ARGS` to completion (for invocations expected to exit: bad flags,
 * refused starts, -v). Killed after the timeout, which fails the caller's assertions.
 */
export function runBerth(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [MAIN_JS, ...args], { cwd: opts.cwd ?? '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => { stdout += c; });
    p.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    p.on('error', rej);
    p.on('close', (code, sig) => { clearTimeout(timer); res({ code: code ?? (sig ? 128 : -1), stdout, stderr }); });
  });
}

/** Wait until `predicate` holds, polling; throws with `what` after the timeout. */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fresh /tmp/berth-test-* directory, removed (mounts first) when the test ends. */
export function tempDir(t?: TestContext, prefix = 'berth-test-'): string {
  const dir = mkdtempSync(join('/tmp', prefix));
  t?.after(() => removeDir(dir));
  return dir;
}

export function removeDir(dir: string): void {
  unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Start a real berth daemon on its own socket, data root, exec root and pidfile in a
 * fresh /tmp/berth-test-* directory, and wait until /_ping answers. Registers
 * cleanup on `t` (stop, unmount anything left under the dir, remove it); without `t`
 * the caller must call `cleanup()`.
 */
export async function startDaemon(t?: TestContext, opts: DaemonOptions = {}): Promise<TestDaemon & { cleanup(): Promise<void> }> {
  const dir = tempDir();
  const socket = join(dir, 'berth.sock');
  const host = `unix://${socket}`;
  const pidfile = join(dir, 'berth.pid');
  const logPath = join(dir, 'daemon.log');
  const dockerConfig = join(dir, 'docker-config');
  mkdirSync(dockerConfig);
  // Containers' cgroups go under a parent unique to this daemon, so cleanup and the
  // leak check find exactly this run's.
  const cgroupParent = `berth-test-${randomBytes(4).toString('hex')}`;
  // Its own bridge, chains and subnet, so concurrent daemons never share them.
  const net = testNetworkNames();
  const args = opts.rawArgs
    ? opts.rawArgs(dir)
    : ['-d', '-H', host, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', pidfile, '--cgroup-parent', cgroupParent,
      ...networkArgs(net, opts.args), ...(opts.storageDriver ? ['-s', opts.storageDriver] : []), ...(opts.args ?? [])];

  let child!: ChildProcess;
  let exited!: Promise<number | string>;
  const spawnDaemon = (): void => {
    // stderr goes straight to a file, so the log survives the test process and
    // nothing blocks if nobody reads a pipe.
    const fd = openSync(logPath, 'a');
    child = spawn(process.execPath, [MAIN_JS, ...args], { cwd: dir, stdio: ['ignore', fd, fd], env: { ...process.env } });
    closeSync(fd);
    const c = child;
    exited = new Promise((res) => c.once('exit', (code, sig) => res(code ?? sig ?? -1)));
  };

  const readLog = (): string => { try { return readFileSync(logPath, 'utf8'); } catch { return ''; } };
  const stop = async (timeoutMs = 15_000): Promise<number | string> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try { return await exited; } finally { clearTimeout(timer); }
  };
  const waitReady = async (): Promise<void> => {
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    for (;;) {
      if (await ping(socket)) return;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`berth daemon exited (${child.exitCode ?? child.signalCode}) before serving:\n${readLog()}`);
      }
      if (Date.now() > deadline) throw new Error(`berth daemon did not answer /_ping in time:\n${readLog()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const cleanup = async (): Promise<void> => {
    await stop();
    await reapContainers(join(dir, 'exec'), cgroupParent);
    if (!opts.rawArgs) sweepNetwork(net, join(dir, 'data'));
    removeDir(dir);
  };
  t?.after(async () => {
    // Keep the daemon's side of the story: printed at exit if any test failed.
    logs.push(`--- berth daemon log (${logPath}) ---\n${readLog()}`);
    await cleanup();
  });

  spawnDaemon();
  if (!opts.noWait) {
    try {
      await waitReady();
    } catch (err) {
      if (!t) await cleanup();
      throw err;
    }
  }

  return {
    dir, socket, host, pidfile, logPath, network: net,
    get pid() { return child.pid!; },
    get process() { return child; },
    get exited() { return exited; },
    log: readLog,
    docker: (cliArgs, o = {}) => runDocker(host, dockerConfig, cliArgs, o),
    client: () => new Docker({ socketPath: socket }),
    kill: (signal = 'SIGTERM') => { child.kill(signal); },
    stop,
    async restart() {
      await stop();
      spawnDaemon();
      await waitReady();
    },
    cleanup,
  };
}

/**
 * Daemon logs of this test file. A test's outcome is not known in its after hooks,
 * so the logs are kept and printed when the file's process exits with a failure.
 */
const logs: string[] = [];
process.on('exit', (code) => {
  if ((code || process.exitCode) && logs.length) process.stderr.write(`${logs.join('\n')}\n`);
});

/** GET /_ping on a unix socket; true when it answers OK. */
export function ping(socket: string): Promise<boolean> {
  return new Promise((res) => {
    const req = request({ socketPath: socket, path: '/_ping', method: 'GET', timeout: 2000 }, (r) => {
      let body = '';
      r.on('data', (c) => { body += c; });
      r.on('end', () => res(r.statusCode === 200 && body === 'OK'));
    });
    req.on('error', () => res(false));
    req.on('timeout', () => { req.destroy(); res(false); });
    req.end();
  });
}

/** DOCKER_CLI, else CLI 28 where installed, else Debian's docker.io CLI. */
export function defaultCli(): string {
  return process.env['DOCKER_CLI'] ?? (existsSync(DOCKER_CLI_28) ? DOCKER_CLI_28 : DOCKER_CLI_20);
}

/** Run a docker CLI with DOCKER_HOST set and a private DOCKER_CONFIG. */
export function runDocker(host: string, dockerConfig: string, args: string[],
  opts: { input?: string | Buffer; cli?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const cli = opts.cli ?? defaultCli();
  return new Promise((res, rej) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: dockerConfig, DOCKER_CLI_HINTS: 'false' };
    delete env['DOCKER_CONTEXT'];
    delete env['DOCKER_TLS_VERIFY'];
    const p = spawn(cli, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => { stdout += c; });
    p.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.on('error', rej);
    p.on('close', (code, sig) => { clearTimeout(timer); res({ code: code ?? (sig ? 128 : -1), stdout, stderr }); });
    p.stdin.end(opts.input ?? '');
  });
}


