/**
 * The execdriver tests' setup: a busybox rootfs in /tmp/berth-test-exec-*, a native
 * driver whose exec root is there too, and a cgroup parent unique to the run. Every
 * container is cleaned in t.after even when an assertion failed: init and shim killed
 * by pid, the cgroup tree removed, the temp dir unmounted-checked and deleted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/engine/log.js';
import { cgroupMounts } from '../../src/libcontainer/cgroups/index.js';
import { removeTree, uniqueParent } from '../../src/libcontainer/cgroups/testkit.js';
import { buildSpec, type ContainerSpecInput } from '../../src/libcontainer/spec.js';
import type { OciSpec } from '../../src/libcontainer/oci.js';
import { createNativeDriver } from '../../src/drivers/execdriver/native/index.js';
import type { ContainerHandle, ExecDriver, StartRequest } from '../../src/drivers/execdriver/types.js';
import { mountsUnder } from '../helpers/mounts.js';
import { makeRootfs } from '../shim/harness.js';

export const log = createLogger('error');

export interface Env {
  dir: string;
  execRoot: string;
  parent: string;
  driver: ExecDriver;
  /** Container ids this env started; their pids, cgroups and bundles are cleaned at the end. */
  ids: Set<string>;
  handles: ContainerHandle[];
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch { return false; }
}

export const newId = (): string => randomBytes(32).toString('hex');

/** Pids recorded in a bundle (berth.json, shim.pid), to kill what a broken test left. */
function bundlePids(bundle: string): number[] {
  const pids: number[] = [];
  try {
    const rec = JSON.parse(readFileSync(join(bundle, 'berth.json'), 'utf8')) as { pid: number; shimPid: number; pidStart: number };
    pids.push(rec.pid, rec.shimPid);
  } catch { /* not started */ }
  try { pids.push(Number(readFileSync(join(bundle, 'shim.pid'), 'utf8'))); } catch { /* gone */ }
  return pids.filter((p) => p > 0);
}

export async function setup(t: TestContext): Promise<Env> {
  const dir = mkdtempSync('/tmp/berth-test-exec-');
  const execRoot = join(dir, 'exec');
  const parent = uniqueParent();
  const env: Env = { dir, execRoot, parent, driver: await createNativeDriver({ execRoot, log, cgroupParent: parent }), ids: new Set(), handles: [] };
  makeRootfs(dir);
  t.after(async () => {
    for (const h of env.handles) await Promise.race([h.cleanup().catch(() => undefined), sleep(5000, undefined, { ref: false })]);
    const pids = [...env.ids].flatMap((id) => bundlePids(env.driver.bundleDir(id)));
    for (const pid of pids) if (isAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    for (let i = 0; i < 100 && pids.some(isAlive); i++) await sleep(20);
    const m = await cgroupMounts();
    const roots = [...m.v1.values(), ...(m.unified ? [m.unified] : [])];
    for (const id of env.ids) await removeTree(roots, parent, id);
    const left = mountsUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    if (left.length) throw new Error(`mounts left behind: ${left.join(', ')}`);
  });
  return env;
}

export function spec(env: Env, id: string, o: Partial<ContainerSpecInput> & { args: string[] }): OciSpec {
  return buildSpec({ id, rootfs: join(env.dir, 'rootfs'), cgroupParent: env.parent, ...o });
}

export function logPath(env: Env, id: string): string {
  return join(env.dir, 'containers', id, `${id}-json.log`);
}

/** Starts a container; its handle is cleaned at the end of the test. */
export async function run(env: Env, o: Partial<ContainerSpecInput> & { args: string[] }, req: Partial<StartRequest> = {}): Promise<{ id: string; h: ContainerHandle }> {
  const id = req.id ?? newId();
  env.ids.add(id);
  const h = await env.driver.start({ id, spec: spec(env, id, o), resources: {}, logPath: logPath(env, id), stdin: false, stdinOnce: false, ...req });
  env.handles.push(h);
  return { id, h };
}

export function logRecords(path: string): { log: string; stream: string; time: string }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
}

export function logText(path: string, stream?: string): string {
  return logRecords(path).filter((r) => !stream || r.stream === stream).map((r) => r.log).join('');
}

/** Parse Docker stdcopy frames. */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [], err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    (buf[i] === 2 ? err : out).push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** Everything a stream yields until it ends. */
export function collect(s: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('close', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
}

export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
