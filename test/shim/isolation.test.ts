/**
 * What a default container cannot do, and the knobs that change it: capabilities,
 * masked and read-only paths, /dev, seccomp, users, rlimits, sysctls, read-only root,
 * binds and tmpfs. Every probe runs inside the container's own namespaces.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from './harness.js';
import { DEFAULT_CAPS, DEFAULT_CAPS_HEX } from './spec.js';

test('a default container cannot mount, and cannot change the host\'s hostname', async (t) => {
  const { out, code } = await run(t, {
    args: ['sh', '-c', 'mount -t tmpfs x /mnt 2>&1; echo mount=$?; hostname other 2>&1; echo host=$?; hostname'],
  });
  assert.equal(code, 0);
  assert.match(out, /mount: permission denied|Operation not permitted/);
  assert.match(out, /mount=255|mount=1/);
  assert.match(out, /host=1/);
  assert.notEqual(hostname(), 'other');
});

test('capabilities are Docker\'s default set', async (t) => {
  const { out } = await run(t, { args: ['grep', '^Cap', '/proc/self/status'] });
  for (const set of ['CapPrm', 'CapEff', 'CapBnd']) assert.match(out, new RegExp(`${set}:\\s+${DEFAULT_CAPS_HEX}`));
  assert.match(out, /CapAmb:\s+0000000000000000/);
});

test('masked and read-only paths, read-only /sys', async (t) => {
  const { out } = await run(t, {
    args: ['sh', '-c', [
      'echo $(stat -c %t,%T /proc/keys /proc/timer_list)', 'ls /proc/acpi 2>/dev/null | wc -l',
      'echo 1 > /proc/sys/kernel/domainname 2>/dev/null; echo procsys=$?',
      'echo x > /proc/sysrq-trigger 2>/dev/null; echo sysrq=$?',
      'touch /sys/x 2>/dev/null; echo sys=$?',
      'grep -E " /(proc/sys|sys) " /proc/self/mounts | grep -c " ro,"',
    ].join('; ')],
  });
  const [kcore, acpi, procsys, sysrq, sys, roMounts] = out.trim().split('\n');
  assert.equal(kcore, '1,3 1,3', '/proc/keys and /proc/timer_list are /dev/null (this kernel has no /proc/kcore)');
  assert.equal(acpi, '0', '/proc/acpi is an empty tmpfs');
  assert.equal(procsys, 'procsys=1');
  assert.equal(sysrq, 'sysrq=1');
  assert.equal(sys, 'sys=1');
  assert.equal(roMounts, '2');
});

test('/dev holds only the standard nodes, pts, shm and mqueue', async (t) => {
  const { out } = await run(t, { args: ['sh', '-c', 'ls -A /dev; stat -c "%t,%T %a" /dev/null; readlink /dev/ptmx; grep devpts /proc/self/mounts'] });
  const lines = out.trim().split('\n');
  const mountLine = lines.pop()!;
  const ptmx = lines.pop();
  const nullStat = lines.pop();
  assert.deepEqual(lines.sort(), ['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']);
  assert.equal(nullStat, '1,3 666');
  assert.equal(ptmx, 'pts/ptmx');
  assert.match(mountLine, /ptmxmode=666/);
});

test('seccomp blocks mount even with CAP_SYS_ADMIN; without the profile it works', async (t) => {
  const caps = [...DEFAULT_CAPS, 'CAP_SYS_ADMIN'];
  const probe = ['sh', '-c', 'grep ^Seccomp: /proc/self/status; mount -t tmpfs x /mnt 2>/dev/null; echo mount=$?; unshare -n true 2>/dev/null; echo unshare=$?'];
  const filtered = await run(t, { caps, args: probe });
  assert.match(filtered.out, /Seccomp:\s+2/);
  assert.match(filtered.out, /mount=(1|255)/);
  assert.match(filtered.out, /unshare=1/);
  const open = await run(t, { caps, seccomp: null, args: probe });
  assert.match(open.out, /Seccomp:\s+0/);
  assert.match(open.out, /mount=0/, 'the same mount succeeds without the filter: the filter is what blocked it');
  assert.match(open.out, /unshare=0/);
});

test('reboot fails inside the container (seccomp, no CAP_SYS_BOOT, own pid namespace)', async (t) => {
  const { out, code } = await run(t, { args: ['sh', '-c', 'reboot -f 2>&1; echo rc=$?'] });
  assert.equal(code, 0);
  assert.match(out, /rc=1/);
});

test('user switch: numeric uid/gid/groups, no capabilities left for a non-root user', async (t) => {
  const { out } = await run(t, { uid: 65534, gid: 65534, additionalGids: [5], args: ['sh', '-c', 'id; grep ^CapEff /proc/self/status'] });
  assert.match(out, /uid=65534\(nobody\) gid=65534\(nogroup\) groups=5\(tty\)/);
  assert.match(out, /CapEff:\s+0000000000000000/);
});

test('a non-root user with no_new_privs still gets the seccomp filter (loaded last, without CAP_SYS_ADMIN)', async (t) => {
  const { out, code, err } = await run(t, { uid: 1000, gid: 1000, noNewPrivileges: true, args: ['grep', '-E', '^(Uid|NoNewPrivs|Seccomp):', '/proc/self/status'] });
  assert.equal(code, 0, err);
  assert.deepEqual(out.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')), ['Uid: 1000 1000 1000 1000', 'NoNewPrivs: 1', 'Seccomp: 2']);
});

test('no_new_privs, rlimits and sysctls are applied', async (t) => {
  const { out, code } = await run(t, {
    noNewPrivileges: true,
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 512, soft: 256 }],
    sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.domainname': 'berth.test' },
    args: ['sh', '-c', 'grep ^NoNewPrivs /proc/self/status; ulimit -n; ulimit -Hn; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname'],
  });
  assert.equal(code, 0);
  assert.deepEqual(out.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')), ['NoNewPrivs: 1', '256', '512', '1', 'berth.test']);
  // The host's own values are untouched (the kernel.domainname sysctl lives in the uts namespace).
  assert.notEqual(readFileSync('/proc/sys/kernel/domainname', 'utf8').trim(), 'berth.test');
});

test('read-only root, tmpfs and bind mounts', async (t) => {
  const host = mkdtempSync('/tmp/berth-test-shim-bind-');
  t.after(() => rmSync(host, { recursive: true, force: true }));
  writeFileSync(join(host, 'in.txt'), 'from host\n');
  const { out, code } = await run(t, {
    readonlyRoot: true,
    extraMounts: [
      { destination: '/run/x', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m', 'mode=700'] },
      { destination: '/data', type: 'bind', source: host, options: ['rbind', 'rw'] },
      { destination: '/ro', type: 'bind', source: host, options: ['rbind', 'ro'] },
    ],
    args: ['sh', '-c', [
      'touch /file 2>/dev/null; echo root=$?', 'touch /run/x/a; echo tmpfs=$?', 'stat -c %a /run/x',
      'cat /data/in.txt', 'echo out > /data/out.txt; echo bind=$?', 'touch /ro/z 2>/dev/null; echo ro=$?',
    ].join('; ')],
  });
  assert.equal(code, 0);
  assert.deepEqual(out.trim().split('\n'), ['root=1', 'tmpfs=0', '700', 'from host', 'bind=0', 'ro=1']);
  assert.equal(readFileSync(join(host, 'out.txt'), 'utf8'), 'out\n');
});

test('the network namespace is new, with loopback up', async (t) => {
  const { out } = await run(t, { args: ['sh', '-c', 'ls /sys/class/net; grep -c . /proc/net/dev; cat /sys/class/net/lo/flags'] });
  const [links, devLines, flags] = out.trim().split('\n');
  assert.equal(links, 'lo');
  assert.equal(devLines, '3');
  assert.equal(Number(flags) & 1, 1, 'IFF_UP');
});

test('privileged: every capability, no filter, /sys and /proc/sys writable, mount allowed', async (t) => {
  const { out, code, err } = await run(t, {
    privileged: true,
    args: ['sh', '-c', 'grep -E "^(CapEff|Seccomp):" /proc/self/status; mount -t tmpfs x /mnt; echo mount=$?; '
      + 'echo berth.priv > /proc/sys/kernel/domainname; echo procsys=$?; grep -c " /sys sysfs rw" /proc/self/mounts'],
  });
  assert.equal(code, 0, err);
  assert.deepEqual(out.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')),
    [`CapEff: ${readFileSync('/proc/self/status', 'utf8').match(/^CapBnd:\s+(\S+)/m)![1]}`, 'Seccomp: 0', 'mount=0', 'procsys=0', '1']);
  assert.notEqual(readFileSync('/proc/sys/kernel/domainname', 'utf8').trim(), 'berth.priv', 'uts-namespaced: the host keeps its own');
});
