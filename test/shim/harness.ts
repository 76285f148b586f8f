/**
 * Drives the compiled berth-shim directly, as the daemon's execdriver will: a busybox
 * rootfs and bundle in a temp dir, the SYNC handshake on fd 3, the control socket.
 * Every container started here is killed (init and shim, by pid) and its dirs removed
 * in t.after, and the test fails if a mount under its temp dir is left behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mountsUnder } from '../helpers/mounts.js';
import { repoRoot } from '../helpers/paths.js';
import { buildSpec, type SpecOptions } from './spec.js';

const SHIM_SRC = join(repoRoot, 'src/libcontainer/native/shim');
let shimPath: string | undefined;

/** $BERTH_SHIM; else build/Release/berth-shim when it is newer than every source; else a fresh build.sh one. */
export function shimBinary(): string {
  if (shimPath) return shimPath;
  if (process.env.BERTH_SHIM) return (shimPath = process.env.BERTH_SHIM);
  const built = join(repoRoot, 'build/Release/berth-shim');
  const newest = Math.max(...readdirSync(SHIM_SRC).map((f) => statSync(join(SHIM_SRC, f)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return (shimPath = built);
  const dir = mkdtempSync('/tmp/berth-test-shim-bin-');
  const out = join(dir, 'berth-shim');
  const r = spawnSync('sh', [join(SHIM_SRC, 'build.sh'), out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build.sh failed: ${r.stderr}`);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (shimPath = out);
}

const APPLETS = ['sh', 'echo', 'cat', 'ls', 'id', 'hostname', 'mount', 'ps', 'sleep', 'grep', 'stty', 'tty',
  'touch', 'mkdir', 'reboot', 'unshare', 'sysctl', 'true', 'false', 'head', 'wc', 'env', 'pwd', 'stat', 'readlink', 'tr', 'printf'];

/** A rootfs with Debian's static busybox and applet links, in `dir`/rootfs. */
export function makeRootfs(dir: string): string {
  const root = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'proc', 'dev', 'sys', 'tmp', 'mnt', 'root']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'etc/notexec'), '#!/bin/sh\necho no\n', { mode: 0o644 });
  return root;
}

export interface Container {
  dir: string;
  bundle: string;
  log: string;
  sock: string;
  shimPid: number;
  initPid: number;
}

export interface StartResult { container: Container; reply: Record<string, unknown> }

export interface StartOptions extends Omit<SpecOptions, 'rootfs'> {
  stdin?: boolean;
  stdinOnce?: boolean;
  grace?: number;
  /** More berth-shim flags (--log-max-size...). */
  extraArgs?: string[];
  /** Change the fresh rootfs before the bundle is written. */
  prepareRootfs?: (rootfs: string) => void;
  /** Called between {"pid"} and "go", as the daemon moves the init into cgroups. */
  beforeGo?: (pid: number, c: Container) => void | Promise<void>;
}

/** Running (a zombie whose parent is not us counts as gone: nothing of it is left to kill). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch { return false; }
}

/** Prepare a temp dir, rootfs and bundle; registered for cleanup on `t`. */
export function prepare(t: TestContext, o: StartOptions): Container {
  const dir = mkdtempSync('/tmp/berth-test-shim-');
  const c: Container = { dir, bundle: join(dir, 'bundle'), log: join(dir, 'ctr-json.log'), sock: join(dir, 'bundle/shim.sock'), shimPid: 0, initPid: 0 };
  mkdirSync(c.bundle);
  const rootfs = makeRootfs(dir);
  o.prepareRootfs?.(rootfs);
  writeFileSync(join(c.bundle, 'config.json'), JSON.stringify(buildSpec({ ...o, rootfs })));
  t.after(async () => {
    for (const pid of [c.initPid, c.shimPid]) if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && [c.initPid, c.shimPid].some((p) => p && isAlive(p)); i++) await sleep(20);
    const left = mountsUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    if (left.length) throw new Error(`mounts left behind: ${left.join(', ')}`);
  });
  return c;
}

export function shimArgs(c: Container, o: Pick<StartOptions, 'stdin' | 'stdinOnce' | 'grace' | 'extraArgs'>): string[] {
  return ['start', '--bundle', c.bundle, '--id', 'test', '--log', c.log, '--grace', String(o.grace ?? 30),
    ...(o.stdin ? ['--stdin'] : []), ...(o.stdinOnce ? ['--stdin-once'] : []), ...(o.extraArgs ?? [])];
}

/** Reads newline-terminated lines from a socket. */
export class Lines {
  private buf = '';
  private waiters: ((l: string | null) => void)[] = [];
  private queue: (string | null)[] = [];
  constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) { this.push(this.buf.slice(0, i)); this.buf = this.buf.slice(i + 1); }
    });
    sock.on('close', () => this.push(null));
    sock.on('error', () => this.push(null));
  }
  private push(l: string | null) { const w = this.waiters.shift(); if (w) w(l); else this.queue.push(l); }
  next(): Promise<string | null> {
    if (this.queue.length) return Promise.resolve(this.queue.shift()!);
    return new Promise((r) => this.waiters.push(r));
  }
}

/** Start a container the way the daemon does; resolves after {"started"} or {"error"}. */
export async function start(t: TestContext, o: StartOptions): Promise<StartResult> {
  const c = prepare(t, o);
  const child = spawn(shimBinary(), shimArgs(c, o), { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached: true });
  const sync = child.stdio[3] as Socket;
  const lines = new Lines(sync);
  const first = await lines.next();
  if (first === null) throw new Error('shim closed the sync fd without a word');
  const hello = JSON.parse(first) as Record<string, unknown>;
  if (typeof hello.pid !== 'number') return { container: c, reply: hello };
  c.initPid = hello.pid;
  c.shimPid = Number(readFileSync(join(c.bundle, 'shim.pid'), 'utf8'));
  await o.beforeGo?.(hello.pid, c);
  sync.write('go\n');
  const second = await lines.next();
  sync.destroy();
  return { container: c, reply: JSON.parse(second ?? '{}') as Record<string, unknown> };
}

/** One request on a fresh control connection; the first reply line. */
export async function request(c: Container, req: object): Promise<Record<string, unknown>> {
  const s = connect(c.sock);
  const lines = new Lines(s);
  s.write(JSON.stringify(req) + '\n');
  const l = await lines.next();
  s.destroy();
  if (l === null) throw new Error('control socket closed without a reply');
  return JSON.parse(l) as Record<string, unknown>;
}

export function waitExit(c: Container): Promise<Record<string, unknown>> {
  return request(c, { op: 'wait' });
}

/** json-file records of the container log. */
export function logRecords(c: Container): { log: string; stream: string; time: string }[] {
  if (!existsSync(c.log)) return [];
  return readFileSync(c.log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
}

export function logText(c: Container, stream?: string): string {
  return logRecords(c).filter((r) => !stream || r.stream === stream).map((r) => r.log).join('');
}

/** Run a command to completion; its exit state and stdout/stderr from the log. */
export async function run(t: TestContext, o: StartOptions): Promise<{ c: Container; code: number; out: string; err: string; reply: Record<string, unknown> }> {
  const { container: c, reply } = await start(t, o);
  if (reply.error) return { c, code: reply.exitCode as number, out: '', err: String(reply.error), reply };
  const st = await waitExit(c);
  return { c, code: st.exitCode as number, out: logText(c, 'stdout'), err: logText(c, 'stderr'), reply };
}

/** Parse Docker stdcopy frames. */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [], err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    const body = buf.subarray(i + 8, i + 8 + len);
    (buf[i] === 2 ? err : out).push(body);
    i += 8 + len;
  }
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** Open an attach-like stream: the JSON reply line, then everything until close. */
export function openStream(c: Container, req: object): Promise<{ sock: Socket; reply: Record<string, unknown>; rest: Promise<Buffer>; data: () => Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = connect(c.sock);
    let buf = Buffer.alloc(0);
    let replied = false;
    let done: (b: Buffer) => void = () => {};
    const rest = new Promise<Buffer>((r) => { done = r; });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (replied) return;
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      replied = true;
      const reply = JSON.parse(buf.subarray(0, nl).toString()) as Record<string, unknown>;
      buf = buf.subarray(nl + 1);
      resolve({ sock, reply, rest, data: () => buf });
    });
    sock.on('close', () => { if (!replied) reject(new Error('closed before the reply')); done(buf); });
    sock.on('error', reject);
    sock.write(JSON.stringify(req) + '\n');
  });
}

export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
