import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';

/**
 * `docker run` options as a user sees them inside the container, and the isolation a
 * default container gets: the process, its environment and identity, its limits in
 * the cgroup files, and what it cannot do or see.
 */

async function run(d: TestDaemon, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await d.docker(['run', '--rm', ...args]);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

async function runOk(d: TestDaemon, args: string[]): Promise<string> {
  const r = await run(d, args);
  assert.equal(r.code, 0, `docker run ${args.join(' ')}: ${r.err}`);
  return r.out;
}

test('run options: env, workdir, user, entrypoint, hostname, labels, --init', { timeout: 180_000 }, async (t) => {
  const d = await startDaemon(t);
  await d.docker(['load', '-i', (await busyboxImage()).path]);
  const envFile = join(d.dir, 'env.list');
  writeFileSync(envFile, '# comment\nFROM_FILE=yes\n');
  const env = await runOk(d, ['-e', 'A=1', '--env-file', envFile, 'busybox', 'env']);
  assert.match(env, /^A=1$/m);
  assert.match(env, /^FROM_FILE=yes$/m);
  assert.match(env, /^HOME=\/root$/m);
  assert.match(env, /^PATH=\/usr\/local\/sbin:/m);
  assert.match(env, /^HOSTNAME=[0-9a-f]{12}$/m);

  // The process starts with default signal dispositions and nothing blocked (the shim
  // ignores SIGPIPE itself): a pipeline whose reader quits ends at once.
  const sig = await runOk(d, ['busybox', 'grep', '-E', '^Sig(Blk|Ign)', '/proc/self/status']);
  assert.equal(sig, 'SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  assert.equal(await runOk(d, ['busybox', 'sh', '-c', 'yes | head -c 4']), 'y\ny\n');

  assert.equal(await runOk(d, ['-w', '/made/here', 'busybox', 'pwd']), '/made/here\n');
  // A file where the working directory should be: dockerd's words, not the rootfs's host path.
  for (const dir of ['/etc/passwd', '/etc/passwd/below']) {
    const bad = await run(d, ['-w', dir, 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.err, new RegExp(`Error response from daemon: Cannot mkdir: ${dir} is not a directory`));
  }
  // dockerd checks it as it creates the container, so nothing is left behind and the name stays free.
  const before = (await d.docker(['ps', '-aq'])).stdout;
  const created = await d.docker(['create', '--name', 'wd', '-w', '/etc/passwd', 'busybox', 'true']);
  assert.equal(created.code, 1);
  assert.match(created.stderr, /Error response from daemon: Cannot mkdir: \/etc\/passwd is not a directory/);
  assert.equal((await d.docker(['ps', '-aq'])).stdout, before);
  assert.equal((await d.docker(['create', '--name', 'wd', 'busybox', 'true'])).code, 0);
  assert.equal((await d.docker(['rm', 'wd'])).code, 0);
  assert.equal(await runOk(d, ['-u', 'nobody', 'busybox', 'id', '-u']), '65534\n');
  // The working directory is entered while still root, as runc does: root's home works for nobody.
  assert.equal(await runOk(d, ['-u', 'nobody', '-w', '/root', 'busybox', 'pwd']), '/root\n');
  assert.equal(await runOk(d, ['-u', '1234:5678', 'busybox', 'id']), 'uid=1234 gid=5678 groups=5678\n');
  const badUser = await run(d, ['-u', 'nosuchuser', 'busybox', 'id']);
  assert.notEqual(badUser.code, 0);
  assert.match(badUser.err, /unable to find user nosuchuser: no matching entries in passwd file/);
  assert.equal(await runOk(d, ['--entrypoint', 'echo', 'busybox', 'via', 'entrypoint']), 'via entrypoint\n');
  assert.equal(await runOk(d, ['-h', 'box.example', 'busybox', 'hostname']), 'box.example\n');
  assert.equal(await runOk(d, ['busybox', 'cat', '/etc/hostname']).then((s) => s.trim().length), 12);

  await d.docker(['create', '--name', 'labelled', '-l', 'tier=db', 'busybox', 'true']);
  assert.equal((await d.docker(['ps', '-a', '--filter', 'label=tier=db', '--format', '{{.Names}}'])).stdout, 'labelled\n');

  // --init: tini as PID 1, the command as its child; the record keeps the user's command.
  const ps = await runOk(d, ['--init', 'busybox', 'ps', '-o', 'pid,args']);
  assert.match(ps, /^\s*1 \/sbin\/docker-init -- ps -o pid,args$/m);
  await d.docker(['create', '--name', 'withinit', '--init', 'busybox', 'sleep', '1']);
  assert.equal((await d.docker(['inspect', '-f', '{{.Path}} {{.HostConfig.Init}}', 'withinit'])).stdout, 'sleep true\n');
});

test('isolation and limits: capabilities, privileged, read-only, ulimits, sysctls, cgroup limits', { timeout: 180_000 }, async (t) => {
  const d = await startDaemon(t);
  await d.docker(['load', '-i', (await busyboxImage()).path]);

  // A default container cannot mount, set the host's hostname, or see host processes.
  const mount = await run(d, ['busybox', 'sh', '-c', 'mkdir /m && mount -t tmpfs x /m']);
  assert.notEqual(mount.code, 0);
  assert.match(mount.err, /permission denied|Operation not permitted/i);
  const hostname = await run(d, ['busybox', 'hostname', 'changed']);
  assert.notEqual(hostname.code, 0);
  assert.deepEqual((await runOk(d, ['busybox', 'ps', '-o', 'pid'])).trim().split('\n').slice(1).map((s) => s.trim()), ['1']);
  // Masked and read-only paths, /sys read-only, /dev with only the standard nodes.
  assert.equal(await runOk(d, ['busybox', 'sh', '-c', 'wc -c < /proc/keys']), '0\n');
  assert.notEqual((await run(d, ['busybox', 'sh', '-c', 'echo 1 > /proc/sys/kernel/ns_last_pid'])).code, 0);
  assert.notEqual((await run(d, ['busybox', 'touch', '/sys/x'])).code, 0);
  const dev = (await runOk(d, ['busybox', 'ls', '/dev'])).split('\n').filter(Boolean).sort();
  for (const n of ['full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'tty', 'urandom', 'zero']) assert.ok(dev.includes(n), `/dev/${n}: ${dev.join(' ')}`);
  assert.ok(!dev.includes('sda') && !dev.includes('mem'), dev.join(' '));
  // The default capability set; --cap-drop / --cap-add / --privileged change it.
  const capEff = async (args: string[]) => (await runOk(d, [...args, 'busybox', 'grep', 'CapEff', '/proc/self/status'])).trim().split(/\s+/)[1];
  assert.equal(await capEff([]), '00000000a80425fb');
  assert.equal(await capEff(['--cap-drop', 'ALL']), '0000000000000000');
  assert.equal(await capEff(['--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN']), '0000000000001000');
  await runOk(d, ['--privileged', 'busybox', 'sh', '-c', 'mkdir /m && mount -t tmpfs x /m']);
  assert.equal(await runOk(d, ['--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status']), 'NoNewPrivs:\t1\n');

  // The default seccomp filter is on (mode 2), off when unconfined or privileged; it
  // refuses what Docker's profile refuses even where capabilities would allow it.
  const seccomp = async (args: string[]) => (await runOk(d, [...args, 'busybox', 'grep', '^Seccomp:', '/proc/self/status'])).trim();
  assert.equal(await seccomp([]), 'Seccomp:\t2');
  assert.equal(await seccomp(['--security-opt', 'seccomp=unconfined']), 'Seccomp:\t0');
  assert.equal(await seccomp(['--privileged']), 'Seccomp:\t0');
  // An unprivileged user namespace needs no capability in the kernel; Docker's profile
  // refuses unshare without CAP_SYS_ADMIN, so only the filter can say no here.
  assert.notEqual((await run(d, ['busybox', 'unshare', '-U', 'true'])).code, 0, 'unshare is refused by the default profile');
  await runOk(d, ['--security-opt', 'seccomp=unconfined', 'busybox', 'unshare', '-U', 'true']);

  const ro = await run(d, ['--read-only', 'busybox', 'touch', '/x']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.err, /Read-only file system/);
  assert.equal(await runOk(d, ['--ulimit', 'nofile=123:456', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn']), '123\n456\n');
  // cpu.shares is read back as runc reads it: the kernel's clamp is an error.
  if (existsSync('/sys/fs/cgroup/cpu/cpu.shares')) {
    assert.match((await run(d, ['--cpu-shares', '1', 'busybox', 'true'])).err,
      /unable to start container process: error during container init: error setting cgroup config for procHooks process: the minimum allowed cpu-shares is 2: unknown/);
    assert.match((await run(d, ['--cpu-shares', '300000', 'busybox', 'true'])).err, /the maximum allowed cpu-shares is 262144: unknown/);
  }
  // The real-time scheduler's budget: checked at create, and the kernel's refusal (the
  // parent group has none to give here) fails the start in runc's words.
  const rtHigh = await run(d, ['--cpu-rt-period', '1000', '--cpu-rt-runtime', '2000', 'busybox', 'true']);
  assert.match(rtHigh.err, /cpu real-time runtime cannot be higher than cpu real-time period/);
  // (A new group's own budget is 0, so berth's parent group has none: the write fails.)
  if (existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')) {
    const rt = await run(d, ['--cpu-rt-runtime', '100', 'busybox', 'true']);
    assert.notEqual(rt.code, 0);
    assert.match(rt.err, /failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply cgroup configuration: failed to write "100": write \/sys\/fs\/cgroup\/cpu\/\S+\/cpu\.rt_runtime_us: invalid argument: unknown/);
  }
  // Block I/O throttles by device number, in the container's own blkio group; a device
  // the kernel will not throttle (a character device) fails the start in runc's words.
  const block = readdirSync('/dev', { withFileTypes: true }).find((e) => e.isBlockDevice() && !e.name.startsWith('loop'));
  if (block && existsSync('/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device')) {
    const dev = `/dev/${block.name}`;
    const nums = `${Math.floor(statSync(dev).rdev / 256)}:${statSync(dev).rdev % 256}`;
    assert.equal(await runOk(d, ['--device-read-bps', `${dev}:1mb`, '--device-write-iops', `${dev}:200`, 'busybox', 'sh', '-c',
      'cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device']), `${nums} 1048576\n${nums} 200\n`);
    const chr = await run(d, ['--device-read-bps', '/dev/null:1mb', 'busybox', 'true']);
    assert.match(chr.err, /unable to start container process: error during container init: error setting cgroup config for procHooks process: failed to write "1:3 1048576": write \/sys\/fs\/cgroup\/blkio\/\S+\/blkio\.throttle\.read_bps_device: no such device: unknown/);
  } else {
    t.diagnostic('no block device or no blkio throttle files here: throttles not tried');
  }
  // --oom-score-adj is the process's own (and an exec's), as runc writes it.
  const oom = (await d.docker(['run', '-d', '--oom-score-adj', '321', 'busybox', 'sleep', '30'])).stdout.trim();
  await pidReady(d, oom);
  assert.equal(readFileSync(`/proc/${pidOf(d, oom)}/oom_score_adj`, 'utf8'), '321\n');
  assert.equal((await d.docker(['exec', oom, 'cat', '/proc/self/oom_score_adj'])).stdout, '321\n');
  await d.docker(['rm', '-f', oom]);
  assert.equal(await runOk(d, ['--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'cat', '/proc/sys/net/ipv4/ip_forward']), '1\n');
  const hostSysctl = await run(d, ['--sysctl', 'kernel.hostname=x', 'busybox', 'true']);
  assert.notEqual(hostSysctl.code, 0);

  // Resources land in the container's own cgroup files.
  const id = (await d.docker(['run', '-d', '-m', '64m', '--memory-swap', '128m', '--cpus', '0.5', '--cpu-shares', '512',
    '--cpuset-cpus', '0', '--pids-limit', '50', 'busybox', 'sleep', '60'])).stdout.trim();
  const group = (ctrl: string) => {
    const line = readFileSync(`/proc/${pidOf(d, id)}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]!.split(',').includes(ctrl))!;
    return `/sys/fs/cgroup/${ctrl}${line.split(':')[2]}`;
  };
  await pidReady(d, id);
  const read = (ctrl: string, file: string) => readFileSync(join(group(ctrl), file), 'utf8').trim();
  if (readFileSync('/proc/self/mountinfo', 'utf8').includes(' /sys/fs/cgroup/memory ')) {
    assert.equal(read('memory', 'memory.limit_in_bytes'), String(64 << 20));
    assert.equal(read('cpu', 'cpu.cfs_quota_us'), '50000');
    assert.equal(read('cpu', 'cpu.shares'), '512');
    assert.equal(read('cpuset', 'cpuset.cpus'), '0');
    assert.equal(read('pids', 'pids.max'), '50');
  }
  await d.docker(['rm', '-f', id]);
  if (readFileSync('/proc/self/mountinfo', 'utf8').includes(' /sys/fs/cgroup/memory ')) {
    // --oom-kill-disable switches the memory cgroup's OOM killer off (v1; dropped with a warning on v2).
    const oom = await runOk(d, ['--oom-kill-disable', '-m', '32m', 'busybox', 'head', '-1', '/sys/fs/cgroup/memory/memory.oom_control']);
    assert.equal(oom, 'oom_kill_disable 1\n');
  }
  const tiny = await d.docker(['run', '--rm', '-m', '1m', 'busybox', 'true']);
  assert.notEqual(tiny.code, 0);
  assert.match(tiny.stderr, /Minimum memory limit allowed is 6MB/);
  assert.equal((await d.docker(['ps', '-aq'])).stdout, '', 'refused at create: nothing was made');
  const cpus = await d.docker(['create', '--cpus', '512', 'busybox', 'true']);
  assert.match(cpus.stderr, /Range of CPUs is from 0\.01 to \d+\.00, as there are only \d+ CPUs available/);
  const policy = await d.docker(['create', '--restart', 'bogus', 'busybox', 'true']);
  assert.notEqual(policy.code, 0);
  assert.match(policy.stderr, /invalid restart policy 'bogus'|invalid restart policy bogus/);
});

const pids = new Map<string, number>();

function pidOf(_d: TestDaemon, id: string): number {
  return pids.get(id)!;
}

async function pidReady(d: TestDaemon, id: string): Promise<void> {
  pids.set(id, Number((await d.docker(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim()));
}

test('--gpus: created, then the start refused in dockerd\'s words, as on a host without NVIDIA\'s hook', { timeout: 60_000 }, async (t) => {
  const d = await startDaemon(t);
  await d.docker(['load', '-i', (await busyboxImage()).path]);
  assert.equal((await d.docker(['create', '--name', 'gp', '--gpus', 'all', 'busybox', 'true'])).code, 0);
  const start = await d.docker(['start', 'gp']);
  assert.notEqual(start.code, 0);
  assert.match(start.stderr, /Error response from daemon: could not select device driver "" with capabilities: \[\[gpu\]\]/);
  const state = await d.docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'gp']);
  assert.equal(state.stdout.trim(), 'created 128');
  const run = await d.docker(['run', '--rm', '--gpus', 'driver=nvidia,count=1', 'busybox', 'true']);
  assert.match(run.stderr, /could not select device driver "nvidia" with capabilities: \[\[gpu\]\]/);
  assert.equal(run.code, 125);
});
