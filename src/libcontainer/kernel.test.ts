/**
 * The spec builder and the cgroup manager against the real kernel: a config.json from
 * `buildSpec` is run by berth-shim (built from src/libcontainer/native/shim into a temp
 * dir) inside a cgroup made by `CgroupV1`, and the container reports what it got.
 * Skipped where the shim cannot be built or cgroup v1 is absent. Every shim, cgroup
 * and temp dir is removed in t.after.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostBoundingCapabilities } from './capabilities.js';
import { cgroupMounts } from './cgroups/detect.js';
import { CgroupV1 } from './cgroups/v1.js';
import { buildSpec, type ContainerSpecInput } from './spec.js';
import { resolveUser } from './user.js';

const here = dirname(fileURLToPath(import.meta.url));
// dist/src/libcontainer → the TypeScript tree's shim sources.
const SHIM_SRC = join(here, '../../../src/libcontainer/native/shim');
const work = mkdtempSync('/tmp/berth-test-kernel-');
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function buildShim(): string | undefined {
  if (process.getuid?.() !== 0 || !existsSync(join(SHIM_SRC, 'build.sh')) || !existsSync('/bin/busybox')) return undefined;
  const out = join(work, 'berth-shim');
  return spawnSync('sh', [join(SHIM_SRC, 'build.sh'), out]).status === 0 ? out : undefined;
}
const shim = buildShim();
const mounts = await cgroupMounts();
const skip = !shim ? 'berth-shim cannot be built here (needs root, cc, libseccomp-dev, libjson-c-dev, busybox)'
  : mounts.v1.size === 0 ? 'no cgroup v1 hierarchies on this host' : false;
const parent = `berth-test-kernel-${process.pid}`;

interface Ran { exitCode: number; out: string; cg: CgroupV1 }

/** Runs `script` under /bin/sh in a container built from `input`, inside a fresh cgroup. */
async function run(t: TestContext, script: string, input: Partial<ContainerSpecInput> & { userSpec?: string } = {}): Promise<Ran> {
  const id = `k${Math.random().toString(16).slice(2, 10)}`;
  const bundle = join(work, id);
  const rootfs = join(bundle, 'rootfs');
  for (const d of ['bin', 'etc', 'proc', 'dev', 'sys', 'tmp', 'mnt']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  for (const a of ['sh', 'cat', 'grep', 'mount', 'unshare', 'reboot', 'head', 'tr', 'echo', 'id']) symlinkSync('busybox', join(rootfs, 'bin', a));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:33::/:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nwheel:x:10:root\n');

  const cg = await CgroupV1.open({ id, parent });
  let shimPid: number | undefined;
  t.after(async () => {
    const pidFile = join(bundle, 'shim.pid');
    for (const pid of [shimPid, existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined]) {
      if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    for (const p of await cg.pids().catch(() => [])) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    await cg.destroy().catch(() => undefined);
    // The parent is shared by this file's tests: it goes once the last group is gone.
    for (const m of new Set(mounts.v1.values())) await rmdir(join(m, parent)).catch(() => undefined);
  });
  await cg.create();
  await cg.set({ memory: 64 << 20, memorySwap: 64 << 20, pidsLimit: 20 });
  const { userSpec, ...rest } = input;
  const spec = buildSpec({
    id, rootfs, args: ['/bin/sh', '-c', script], user: await resolveUser(rootfs, userSpec ?? ''),
    cgroupView: cg.hierarchies(), hostCapabilities: await hostBoundingCapabilities(), ...rest,
  });
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const child = spawn(shim!, ['start', '--bundle', bundle, '--id', id, '--log', join(bundle, 'log.json'), '--grace', '0'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  shimPid = child.pid;
  const sync = child.stdio[3] as unknown as NodeJS.ReadWriteStream;
  let buf = '';
  sync.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const msg = JSON.parse(buf.slice(0, nl)) as { pid?: number };
      buf = buf.slice(nl + 1);
      // The init waits here: put it into its cgroup before letting it run.
      if (msg.pid) void cg.apply(msg.pid).then(() => sync.write('go\n'));
    }
  });
  const exitFile = join(bundle, 'exit.json');
  for (let i = 0; i < 200 && !existsSync(exitFile); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(exitFile), 'the container exited');
  await new Promise((r) => setTimeout(r, 100)); // the shim flushes the log before it leaves
  const out = readFileSync(join(bundle, 'log.json'), 'utf8').split('\n').filter(Boolean)
    .map((l) => (JSON.parse(l) as { log: string }).log).join('');
  return { exitCode: (JSON.parse(readFileSync(exitFile, 'utf8')) as { exitCode: number }).exitCode, out, cg };
}

test('default container: Docker caps, seccomp on, mount/unshare/reboot refused, own cgroups read-only', { skip }, async (t) => {
  const r = await run(t, [
    'grep -E "^(CapEff|Seccomp):" /proc/self/status',
    'mount -t tmpfs x /mnt 2>/dev/null; echo mount=$?',
    'unshare -n true 2>/dev/null; echo unshare=$?',
    'reboot -f 2>/dev/null; echo reboot=$?',
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max',
    '(echo 5 > /sys/fs/cgroup/pids/pids.max) 2>/dev/null; echo cgwrite=$?',
    '(echo 1 > /proc/sys/kernel/panic) 2>/dev/null; echo procsys=$?',
  ].join('; '));
  assert.equal(r.exitCode, 0);
  assert.match(r.out, /^CapEff:\s+00000000a80425fb$/m);
  assert.match(r.out, /^Seccomp:\s+2$/m);
  for (const w of ['mount=1', 'unshare=1', 'reboot=1', 'cgwrite=1', 'procsys=1']) assert.ok(r.out.includes(w), w);
  assert.ok(r.out.includes(`${64 << 20}\n20\n`), r.out);
});

test('CAP_SYS_ADMIN unlocks mount and unshare through the seccomp profile', { skip }, async (t) => {
  const r = await run(t, 'mount -t tmpfs x /mnt && echo mount-ok; unshare -n true && echo unshare-ok', { capAdd: ['SYS_ADMIN'] });
  assert.ok(r.out.includes('mount-ok') && r.out.includes('unshare-ok'), r.out);
});

test('non-root user with no-new-privileges: no effective caps, flag set', { skip }, async (t) => {
  const r = await run(t, 'id; grep -E "^(CapEff|NoNewPrivs):" /proc/self/status', { userSpec: 'www', noNewPrivileges: true });
  assert.match(r.out, /uid=33\(www\) gid=33/);
  assert.match(r.out, /^CapEff:\s+0+$/m);
  assert.match(r.out, /^NoNewPrivs:\s+1$/m);
});

test('a container beyond its memory limit is OOM-killed and the cgroup says so', { skip }, async (t) => {
  const r = await run(t, 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived');
  assert.equal(r.exitCode, 137);
  assert.ok(!r.out.includes('survived'));
  assert.equal(await r.cg.oomKilled(), true);
});
