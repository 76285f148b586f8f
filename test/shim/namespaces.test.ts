/**
 * Joining namespaces by path (`--network container:x`, `--uts container:x`...), the
 * cgroup namespace made after the daemon's cgroup step, exec joining those cgroups,
 * and file binds over dangling symlinks (/etc/resolv.conf in some images).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { demux, logText, openStream, request, run, start } from './harness.js';
import { DEFAULT_CAPS } from './spec.js';

const ALL = [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];

test('namespaces given by path are joined', async (t) => {
  const { container: a } = await start(t, { hostname: 'first', args: ['sleep', '1000'] });
  const { out } = await run(t, {
    hostname: 'second',
    namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'mount' }, { type: 'network', path: `/proc/${a.initPid}/ns/net` },
      { type: 'uts', path: `/proc/${a.initPid}/ns/uts` }],
    args: ['sh', '-c', 'hostname; readlink /proc/self/ns/net'],
  });
  const [host, netns] = out.trim().split('\n');
  assert.equal(host, 'first', 'the joined uts namespace keeps its hostname');
  assert.equal(netns, readlinkSync(`/proc/${a.initPid}/ns/net`));
});

/** A v1 pids cgroup of our own, removed at the end. */
function pidsCgroup(t: TestContext): string {
  const dir = `/sys/fs/cgroup/pids/berth-test-shim-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  mkdirSync(dir);
  t.after(async () => {
    for (let i = 0; i < 50; i++) {
      try { rmdirSync(dir); return; } catch { await sleep(50); }
    }
  });
  return dir;
}

test('the daemon\'s cgroup step happens before the command; a new cgroup namespace is rooted there; exec joins it', async (t) => {
  const cg = pidsCgroup(t);
  writeFileSync(join(cg, 'pids.max'), '20');
  const { container: c, reply } = await start(t, {
    namespaces: [...ALL, { type: 'cgroup' }],
    args: ['sh', '-c', 'grep pids /proc/self/cgroup; sleep 1000'],
    beforeGo: (pid) => writeFileSync(join(cg, 'cgroup.procs'), String(pid)),
  });
  assert.deepEqual(reply, { started: true });
  await sleep(200);
  assert.match(logText(c), /^\d+:pids:\/\n/, 'inside, the container\'s cgroup is the root');
  const s = await openStream(c, {
    op: 'exec', id: 'cg',
    process: { user: { uid: 0, gid: 0 }, args: ['sleep', '0.3'], env: [], cwd: '/',
      capabilities: { bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, permitted: DEFAULT_CAPS, inheritable: [], ambient: [] } },
  });
  const procs = readFileSync(join(cg, 'cgroup.procs'), 'utf8').trim().split('\n').map(Number);
  assert.ok(procs.includes(s.reply.pid as number), 'the exec runs in the container\'s cgroup');
  demux(await s.rest);
  await request(c, { op: 'kill', signal: 9 });
  await request(c, { op: 'wait' });
});

test('a file bind over a dangling symlink replaces the link', async (t) => {
  const host = mkdtempSync('/tmp/berth-test-shim-resolv-');
  t.after(() => rmSync(host, { recursive: true, force: true }));
  writeFileSync(join(host, 'resolv.conf'), 'nameserver 10.0.0.1\n');
  const { out, code } = await run(t, {
    prepareRootfs: (rootfs) => symlinkSync('../run/resolvconf/resolv.conf', join(rootfs, 'etc/resolv.conf')),
    extraMounts: [{ destination: '/etc/resolv.conf', type: 'bind', source: join(host, 'resolv.conf'), options: ['rbind', 'ro'] }],
    args: ['cat', '/etc/resolv.conf'],
  });
  assert.equal(code, 0);
  assert.equal(out, 'nameserver 10.0.0.1\n');
});

test('a symlink in the image cannot aim a mount outside the rootfs', async (t) => {
  const outside = mkdtempSync('/tmp/berth-test-shim-outside-');
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  const { code, err } = await run(t, {
    // /escape -> <outside>: an absolute link, resolved inside the rootfs it names nothing there.
    prepareRootfs: (rootfs) => symlinkSync(outside, join(rootfs, 'escape')),
    extraMounts: [{ destination: '/escape/x', type: 'tmpfs', source: 'tmpfs', options: [] }],
    args: ['true'],
  });
  // Refused (runc would create the directories inside the rootfs instead); never followed out.
  assert.equal(code, 128);
  assert.equal(err, 'open parent of /escape/x in rootfs: no such file or directory');
  assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(outside), false);
  assert.deepEqual(readdirSync(outside), [], 'nothing was created on the host side');
});

const CGROUP_MOUNT = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] };
const CG_PROBE = 'ls /sys/fs/cgroup | tr "\\n" " "; echo; cat /sys/fs/cgroup/pids/pids.max; echo link=$(readlink /sys/fs/cgroup/cpu); '
  + 'mkdir /sys/fs/cgroup/pids/x 2>/dev/null; echo mkdir=$?; touch /sys/fs/cgroup/y 2>/dev/null; echo touch=$?';

for (const own of [false, true]) {
  test(`the cgroup mount shows the container's own cgroups, read-only (${own ? 'own' : 'host'} cgroup namespace)`, async (t) => {
    const cg = pidsCgroup(t);
    writeFileSync(join(cg, 'pids.max'), '33');
    const { out, code, err } = await run(t, {
      namespaces: own ? [...ALL, { type: 'cgroup' }] : ALL,
      extraMounts: [CGROUP_MOUNT],
      args: ['sh', '-c', CG_PROBE],
      beforeGo: (pid) => writeFileSync(join(cg, 'cgroup.procs'), String(pid)),
    });
    assert.equal(code, 0, err);
    const [list, max, cpuLink, mk, touch] = out.trim().split('\n');
    const host = readdirSync('/sys/fs/cgroup').sort().join(' ');
    assert.equal(list!.trim().split(' ').sort().join(' '), host);
    assert.equal(max, '33', 'pids.max of the container\'s cgroup, not the host root\'s');
    const hostCpu = (() => { try { return readlinkSync('/sys/fs/cgroup/cpu'); } catch { return ''; } })();
    assert.equal(cpuLink, `link=${hostCpu}`);
    assert.equal(mk, 'mkdir=1');
    assert.equal(touch, 'touch=1');
  });
}
