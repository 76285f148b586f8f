import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../engine/errors.js';
import {
  capabilitiesOfMask, capabilityMask, DEFAULT_CAPABILITIES, hostBoundingCapabilities, knownCapabilities,
} from './capabilities.js';
import { parseBind, parseTmpfsFlag, tmpfsMount } from './mounts.js';
import { buildSpec, type ContainerSpecInput } from './spec.js';

const base: ContainerSpecInput = { id: 'abcdef0123456789', rootfs: '/tmp/rootfs', args: ['sh'] };
const mount = (s: ReturnType<typeof buildSpec>, dest: string) => s.mounts.find((m) => m.destination === dest);
/** runc's refusals, a 500 as dockerd 20.10 passes them on. */
const refused = (fn: () => unknown, re: RegExp): void =>
  assert.throws(fn, (err: unknown) => kindOf(err) === 'system' && re.test((err as Error).message));
const invalid = (fn: () => unknown, re: RegExp): void =>
  assert.throws(fn, (err: unknown) => kindOf(err) === 'invalid_parameter' && re.test((err as Error).message));

test('default container: Docker capability set, namespaces, mounts, paths, env', () => {
  const s = buildSpec(base);
  assert.equal(s.ociVersion, '1.0.2');
  assert.equal(capabilityMask(s.process.capabilities.effective), 0xa80425fbn);
  assert.deepEqual(s.process.capabilities.bounding, [...DEFAULT_CAPABILITIES]);
  assert.deepEqual(s.process.capabilities.ambient, []);
  assert.deepEqual(s.linux.namespaces.map((n) => n.type).sort(), ['ipc', 'mount', 'network', 'pid', 'uts']);
  assert.ok(s.linux.namespaces.every((n) => n.path === undefined));
  assert.equal(s.hostname, 'abcdef012345');
  assert.equal(s.process.cwd, '/');
  assert.deepEqual(s.process.user, { uid: 0, gid: 0, additionalGids: [0] });
  assert.deepEqual(s.process.env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=abcdef012345']);
  assert.deepEqual(s.mounts.map((m) => m.destination),
    ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm']);
  assert.ok(mount(s, '/sys')!.options.includes('ro'));
  assert.ok(mount(s, '/dev/pts')!.options.includes('newinstance'));
  assert.ok(mount(s, '/dev/shm')!.options.includes(`size=${64 * 1024 * 1024}`));
  assert.ok(s.linux.maskedPaths.includes('/proc/kcore') && s.linux.maskedPaths.includes('/proc/keys'));
  assert.ok(s.linux.readonlyPaths.includes('/proc/sys') && s.linux.readonlyPaths.includes('/proc/sysrq-trigger'));
  assert.deepEqual(s.linux.devices.map((d) => d.path),
    ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);
  assert.equal(s.linux.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.linux.sysctl['net.ipv4.ip_unprivileged_port_start'], '0');
  assert.equal(s.linux.cgroupsPath, '/berth/abcdef0123456789');
  assert.equal(s.linux.rootfsPropagation, 'rslave');
  assert.equal(s.process.noNewPrivileges, false);
  assert.equal(s.root.readonly, false);
});

test('env: image env overridden by -e, PATH kept from the image, TERM for a tty', () => {
  const s = buildSpec({ ...base, tty: true, hostname: 'web', imageEnv: ['PATH=/bin', 'A=1'], env: ['A=2', 'B=3'], workingDir: '/srv' });
  assert.deepEqual(s.process.env, ['PATH=/bin', 'HOSTNAME=web', 'TERM=xterm', 'A=2', 'B=3']);
  assert.equal(s.process.terminal, true);
  assert.equal(s.process.cwd, '/srv');
  assert.equal(s.hostname, 'web');
});

test('privileged: every capability and device, no seccomp, no masks, /sys writable', () => {
  const dev = { path: '/dev/loop0', type: 'b' as const, major: 7, minor: 0, fileMode: 0o660, uid: 0, gid: 6 };
  const s = buildSpec({ ...base, privileged: true, hostDevices: [dev], seccomp: { mode: 'default' } });
  assert.deepEqual(s.process.capabilities.effective, knownCapabilities());
  assert.ok(s.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  assert.equal(s.linux.seccomp, undefined);
  assert.deepEqual(s.linux.maskedPaths, []);
  assert.deepEqual(s.linux.readonlyPaths, []);
  assert.ok(!mount(s, '/sys')!.options.includes('ro'));
  assert.ok(!mount(s, '/sys/fs/cgroup')!.options.includes('ro'));
  assert.ok(s.linux.devices.some((d) => d.path === '/dev/loop0'));
});

test('cap-add / cap-drop with and without CAP_, lower case, and ALL', () => {
  let caps = buildSpec({ ...base, capAdd: ['sys_admin'], capDrop: ['CAP_NET_RAW', 'chown'] }).process.capabilities.effective;
  assert.ok(caps.includes('CAP_SYS_ADMIN'));
  assert.ok(!caps.includes('CAP_NET_RAW') && !caps.includes('CAP_CHOWN'));
  caps = buildSpec({ ...base, capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] }).process.capabilities.effective;
  assert.deepEqual(caps, ['CAP_NET_BIND_SERVICE']);
  caps = buildSpec({ ...base, capAdd: ['ALL'], capDrop: ['MKNOD'] }).process.capabilities.effective;
  assert.equal(caps.length, knownCapabilities().length - 1);
  assert.ok(!caps.includes('CAP_MKNOD'));
  invalid(() => buildSpec({ ...base, capAdd: ['FOO'] }), /^unknown capability: "CAP_FOO"$/);
  // With CAP_SYS_ADMIN the seccomp profile lets mount through.
  const s = buildSpec({ ...base, capAdd: ['SYS_ADMIN'] });
  assert.ok(s.linux.seccomp!.syscalls.some((r) => r.names.includes('mount') && r.action === 'SCMP_ACT_ALLOW'));
});

test('--read-only: rootfs and non-kernel mounts ro, user mounts untouched', () => {
  const s = buildSpec({ ...base, readonlyRootfs: true, tmpfs: { '/run': 'size=1m' }, binds: [{ source: '/srv', destination: '/data', readOnly: false }] });
  assert.equal(s.root.readonly, true);
  assert.ok(mount(s, '/sys/fs/cgroup')!.options.includes('ro'));
  assert.ok(!mount(s, '/dev/shm')!.options.includes('ro'));
  assert.ok(!mount(s, '/run')!.options.includes('ro'));
  assert.deepEqual(mount(s, '/data')!.options, ['rbind', 'rprivate']);
});

test('--tmpfs options merge with defaults and bad options are refused', () => {
  const m = tmpfsMount('/x', 'size=10m,mode=700,exec');
  assert.deepEqual(m.options, ['nosuid', 'nodev', 'rprivate', 'size=10m', 'mode=700', 'exec']);
  assert.deepEqual(parseTmpfsFlag('/x:size=1m'), { destination: '/x', data: 'size=1m' });
  invalid(() => tmpfsMount('/x', 'bogus'), /^invalid tmpfs option \["bogus"\]$/);
  invalid(() => tmpfsMount('/x', 'color=red'), /^invalid tmpfs option \["color" "red"\]$/);
  invalid(() => tmpfsMount('relative', ''), /must be absolute/);
  invalid(() => tmpfsMount('/', ''), /destination can't be '\/'/);
  // A user /dev/shm replaces the default one; --shm-size sets the default's size.
  const s = buildSpec({ ...base, shmSize: 1 << 20, tmpfs: { '/tmp': '' } });
  assert.ok(mount(s, '/dev/shm')!.options.includes('size=1048576'));
  assert.equal(buildSpec({ ...base, tmpfs: { '/dev/shm': 'size=2m' } }).mounts.filter((x) => x.destination === '/dev/shm').length, 1);
  assert.equal(mount(buildSpec({ ...base, ipc: 'none' }), '/dev/shm'), undefined);
});

test('-v parsing: modes, propagation, volumes, and dockerd errors', () => {
  assert.deepEqual(parseBind('/host:/ctr:ro,z'), { kind: 'bind', source: '/host', destination: '/ctr', readOnly: true, mode: 'ro,z' });
  assert.equal(parseBind('/host:/ctr:rshared').propagation, 'rshared');
  assert.equal(parseBind('data:/ctr').kind, 'volume');
  assert.equal(parseBind('/ctr').kind, 'anonymous');
  invalid(() => parseBind('/a:/b:/c:/d'), /^invalid volume specification: '\/a:\/b:\/c:\/d'$/);
  invalid(() => parseBind('/a:/b:bogus'), /^invalid mode: bogus$/);
  invalid(() => parseBind('/a:/b:ro,rw'), /^invalid mode: ro,rw$/);
  invalid(() => parseBind('/ctr:rw'), /^invalid volume specification: '\/ctr:rw'$/);
  invalid(() => parseBind('/a:rel'), /mount path must be absolute/);
  invalid(() => parseBind('vol:/c:rshared'),
    /^invalid volume specification: 'vol:\/c:rshared': invalid mount config for type "volume": field BindOptions must not be specified$/);
  const s = buildSpec({ ...base, binds: [{ source: '/h', destination: '/c', readOnly: true, propagation: 'rshared' }] });
  assert.deepEqual(mount(s, '/c')!.options, ['rbind', 'ro', 'rshared']);
  assert.equal(s.linux.rootfsPropagation, 'shared');
});

test('sysctls: namespaced ones pass, others rejected with runc/dockerd wording', () => {
  const s = buildSpec({ ...base, sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '1', 'fs.mqueue.msg_max': '10' } });
  assert.equal(s.linux.sysctl['net.ipv4.ip_forward'], '1');
  refused(() => buildSpec({ ...base, sysctls: { 'kernel.panic': '1' } }), /^failed to create shim task: OCI runtime create failed: runc create failed: sysctl "kernel.panic" is not in a separate kernel namespace: unknown$/);
  refused(() => buildSpec({ ...base, sysctls: { 'vm.max_map_count': '1' } }), /not in a separate kernel namespace/);
  refused(() => buildSpec({ ...base, network: 'host', sysctls: { 'net.core.somaxconn': '1' } }),
    /runc create failed: sysctl "net.core.somaxconn" not allowed in host network namespace: unknown$/);
  refused(() => buildSpec({ ...base, ipc: 'host', sysctls: { 'kernel.sem': '1' } }), /hosts ipc namespace/);
  refused(() => buildSpec({ ...base, sysctls: { 'kernel.hostname': 'x' } }), /conflicts with the OCI "hostname" field/);
  // No default network sysctls in the host's or another container's netns.
  assert.deepEqual(buildSpec({ ...base, network: 'host' }).linux.sysctl, {});
});

test('namespaces: host omits, container: joins by /proc path', () => {
  const s = buildSpec({ ...base, network: { joinPid: 42 }, pid: 'host', uts: 'host', ipc: { joinPid: 42 } });
  assert.deepEqual(s.linux.namespaces, [
    { type: 'mount' }, { type: 'network', path: '/proc/42/ns/net' }, { type: 'ipc', path: '/proc/42/ns/ipc' },
  ]);
  assert.equal(s.hostname, '');
  assert.ok(buildSpec({ ...base, cgroupns: 'private' }).linux.namespaces.some((n) => n.type === 'cgroup' && !n.path));
  assert.ok(!buildSpec(base).linux.namespaces.some((n) => n.type === 'cgroup'));
});

test('ulimits, no-new-privileges, user, resources', () => {
  const s = buildSpec({
    ...base, noNewPrivileges: true, user: { uid: 1000, gid: 100, additionalGids: [10] },
    defaultUlimits: [{ name: 'nofile', soft: 100, hard: 200 }, { name: 'nproc', soft: 5, hard: 5 }],
    ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
    resources: { memory: 64 << 20, nanoCpus: 5e8, pidsLimit: 20, cpusetCpus: '0' },
  });
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', hard: 2048, soft: 1024 }, { type: 'RLIMIT_NPROC', hard: 5, soft: 5 }]);
  assert.equal(s.process.noNewPrivileges, true);
  assert.deepEqual(s.process.user, { uid: 1000, gid: 100, additionalGids: [10] });
  // A non-root user keeps only the bounding set, as after execve.
  assert.deepEqual(s.process.capabilities.bounding, [...DEFAULT_CAPABILITIES]);
  assert.deepEqual(s.process.capabilities.effective, []);
  assert.deepEqual(s.process.capabilities.permitted, []);
  assert.deepEqual(s.linux.resources, {
    memory: { limit: 64 << 20, swap: 128 << 20 }, cpu: { quota: 50000, period: 100000, cpus: '0' }, pids: { limit: 20 },
  });
  assert.equal(buildSpec({ ...base, seccomp: { mode: 'unconfined' } }).linux.seccomp, undefined);
  invalid(() => buildSpec({ ...base, args: [] }), /No command specified/);
});

test('privileged and ALL are limited to the daemon\'s own bounding set when given', async () => {
  const host = knownCapabilities().filter((c) => c !== 'CAP_SYS_RESOURCE');
  const s = buildSpec({ ...base, privileged: true, hostCapabilities: host });
  assert.deepEqual(s.process.capabilities.bounding, host);
  assert.ok(!buildSpec({ ...base, capAdd: ['ALL'], hostCapabilities: host }).process.capabilities.bounding.includes('CAP_SYS_RESOURCE'));
  assert.deepEqual(capabilitiesOfMask(0xa80425fbn), [...DEFAULT_CAPABILITIES].sort((a, b) => capabilityMask([a]) < capabilityMask([b]) ? -1 : 1));
  // This process's real bounding set: its mask round-trips through the names.
  const mine = await hostBoundingCapabilities();
  const status = await (await import('node:fs/promises')).readFile('/proc/self/status', 'utf8');
  assert.equal(capabilityMask(mine), BigInt('0x' + /^CapBnd:\s+([0-9a-f]+)$/m.exec(status)![1]));
});

test('cgroupView: /sys/fs/cgroup from binds of the container\'s own groups', () => {
  const v1 = [{ name: 'memory', source: '/sys/fs/cgroup/memory/berth/x' }, { name: 'cpu,cpuacct', source: '/sys/fs/cgroup/cpu,cpuacct/berth/x' }];
  const s = buildSpec({ ...base, cgroupView: v1, readonlyRootfs: true });
  const dests = s.mounts.map((m) => `${m.destination} ${m.type}`);
  assert.deepEqual(dests.slice(3, 8), ['/sys sysfs', '/sys/fs/cgroup tmpfs', '/sys/fs/cgroup/memory bind', '/sys/fs/cgroup/cpu,cpuacct bind', '/dev/mqueue mqueue']);
  assert.ok(!s.mounts.some((m) => m.type === 'cgroup'));
  assert.ok(!mount(s, '/sys/fs/cgroup')!.options.includes('ro'), 'the tmpfs stays writable for the bind targets');
  assert.deepEqual(mount(s, '/sys/fs/cgroup/memory')!.options, ['rbind', 'nosuid', 'noexec', 'nodev', 'ro']);
  assert.equal(mount(s, '/sys/fs/cgroup/memory')!.source, '/sys/fs/cgroup/memory/berth/x');
  const p = buildSpec({ ...base, cgroupView: v1, privileged: true });
  assert.ok(!mount(p, '/sys/fs/cgroup/memory')!.options.includes('ro'));
  const v2 = buildSpec({ ...base, cgroupView: [{ name: '', source: '/sys/fs/cgroup/berth/x' }] });
  assert.deepEqual(mount(v2, '/sys/fs/cgroup'), {
    destination: '/sys/fs/cgroup', type: 'bind', source: '/sys/fs/cgroup/berth/x', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
  });
});
