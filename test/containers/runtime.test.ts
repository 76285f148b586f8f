import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DOCKER_CLI_20, type TestDaemon } from '../helpers/daemon.js';
import { parsePsOutput } from '../../src/jobs/containers/top.js';
import { ok, fails, inspect, daemonWithBusybox as setup } from '../helpers/cli.js';

/**
 * The jobs that act on running containers, through the real docker CLI (28 and
 * 20.10) and the raw API: pause/unpause (the freezer), top (host ps with the
 * client's arguments), stats (stream and --no-stream, with real CPU and memory
 * figures), update (limits written to the container's cgroup files, dockerd's
 * conflicts and the kernel's refusal), and container prune with its filters.
 */

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One API call on the daemon's socket, the whole body read. */
function api(d: TestDaemon, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'Content-Type': 'application/json' };
    const req = request({ socketPath: d.socket, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The first `n` JSON lines of a streaming GET, then the connection is dropped. */
function streamLines(d: TestDaemon, path: string, n: number): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, path, method: 'GET' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
        const lines = text.split('\n').filter(Boolean);
        if (text.endsWith('\n') && lines.length >= n) {
          req.destroy();
          resolve(lines.slice(0, n).map((l) => JSON.parse(l) as Record<string, unknown>));
        }
      });
      res.on('end', () => reject(new Error(`stream ended after: ${text}`)));
    });
    req.on('error', (err) => { if (!req.destroyed) reject(err); });
    req.setTimeout(15_000, () => { req.destroy(); reject(new Error('stream timed out')); });
    req.end();
  });
}

/**
 * A control file of the container's cgroup: v1 `<mount>/<controller>/<path>/<v1>`,
 * found through /proc/<pid>/cgroup, or the v2 file under the unified tree.
 */
function cgroupFile(pid: number, controller: string, v1: string, v2: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean);
  for (const line of lines) {
    const [, ctrls, path] = line.split(':') as [string, string, string];
    if (ctrls.split(',').includes(controller)) {
      for (const mount of [join('/sys/fs/cgroup', ctrls), join('/sys/fs/cgroup', controller)]) {
        if (existsSync(join(mount, path, v1))) return join(mount, path, v1);
      }
    }
  }
  const unified = lines.find((l) => l.startsWith('0::'));
  assert.ok(unified, `no ${controller} cgroup for pid ${pid}`);
  return join('/sys/fs/cgroup', unified.slice(3), v2);
}

const readCg = (path: string): string => readFileSync(path, 'utf8').trim();

/** Events of the daemon so far, as `Type Action name` lines. */
async function events(d: TestDaemon): Promise<string[]> {
  const out = await ok(d, ['events', '--since', '0', '--until', String(Math.ceil(Date.now() / 1000) + 1), '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}']);
  return out.split('\n').filter(Boolean);
}

test('pause and unpause freeze the container; top lists its processes through ps', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  const id = (await ok(d, ['run', '-d', '--name', 'web', 'busybox', 'sleep', '1000'])).trim();
  const pid = Number(await inspect(d, 'web', '{{.State.Pid}}'));
  const freezer = cgroupFile(pid, 'freezer', 'freezer.state', 'cgroup.freeze');

  // top: ps -ef by default, only the container's rows; other ps arguments pass through.
  const top = (await ok(d, ['top', 'web'])).split('\n').filter(Boolean);
  assert.match(top[0]!, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
  assert.equal(top.length, 2, top.join('\n'));
  assert.match(top[1]!, new RegExp(`^root\\s+${pid}\\s+\\d+\\s+.*sleep 1000$`));
  assert.deepEqual(JSON.parse((await api(d, 'GET', '/containers/web/top?ps_args=-o%20pid,comm')).body),
    { Titles: ['PID', 'COMMAND'], Processes: [[String(pid), 'sleep']] });
  assert.match(await ok(d, ['top', 'web', 'aux'], DOCKER_CLI_20), new RegExp(`USER\\s+PID\\s+%CPU[^\\n]+\\nroot\\s+${pid}\\s`));
  const bad = await api(d, 'GET', '/containers/web/top?ps_args=--bogus');
  assert.equal(bad.status, 400);
  assert.equal(JSON.parse(bad.body).message, 'ps: error: unknown gnu long option');
  await fails(d, ['top', 'web', 'x o comm=PID'], /specifying "comm=PID" is not allowed/);

  // pause: frozen in the kernel, paused in the record, in ps and in inspect.
  await ok(d, ['pause', 'web']);
  assert.ok(['FROZEN', '1'].includes(readCg(freezer)), readCg(freezer));
  assert.equal(await inspect(d, 'web', '{{.State.Status}} {{.State.Paused}} {{.State.Running}}'), 'paused true true');
  assert.match(await ok(d, ['ps']), /Up .* \(Paused\)\s+web/);
  assert.match(await ok(d, ['top', 'web']), /sleep 1000/);
  await fails(d, ['pause', 'web'], new RegExp(`Container ${id} is already paused`));
  const again = await api(d, 'POST', `/containers/${id}/pause`);
  assert.equal(again.status, 409);

  await ok(d, ['unpause', 'web'], DOCKER_CLI_20);
  assert.ok(['THAWED', '0'].includes(readCg(freezer)), readCg(freezer));
  assert.equal(await inspect(d, 'web', '{{.State.Status}} {{.State.Paused}}'), 'running false');
  // An illegal transition: 409 (dockerd 20.10 leaves it a plain 500).
  const notPaused = await api(d, 'POST', '/containers/web/unpause');
  assert.equal(notPaused.status, 409);
  assert.equal(JSON.parse(notPaused.body).message, `Container ${id} is not paused`);

  // A paused container is stopped for good (thawed to take the SIGKILL), and then not running.
  await ok(d, ['pause', 'web']);
  await ok(d, ['stop', '-t', '1', 'web']);
  assert.equal(await inspect(d, 'web', '{{.State.Status}} {{.State.ExitCode}} {{.State.Paused}}'), 'exited 137 false');
  for (const verb of ['pause', 'top']) {
    await fails(d, [verb, 'web'], new RegExp(`Container ${id} is not running`));
  }
  assert.equal((await api(d, 'POST', '/containers/web/pause')).status, 409);
  assert.equal((await api(d, 'GET', '/containers/web/top')).status, 409);
  await fails(d, ['unpause', 'web'], new RegExp(`Container ${id} is not paused`));
  await fails(d, ['pause', 'nosuch'], /No such container: nosuch/);

  // rm -f of a paused container.
  await ok(d, ['run', '-d', '--name', 'frozen', 'busybox', 'sleep', '1000']);
  await ok(d, ['pause', 'frozen']);
  await fails(d, ['rm', 'frozen'], /You cannot remove a paused container .* Unpause and then stop the container before attempting removal or force remove/);
  await ok(d, ['rm', '-f', 'frozen']);

  const seen = await events(d);
  for (const e of ['container pause web', 'container unpause web', 'container top web']) assert.ok(seen.includes(e), `${e} in ${seen.join('\n')}`);
});

test('stats: docker stats --no-stream with real figures, the stream, and the v1.41 JSON', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  // A busy loop (CPU) holding 8 MiB in /dev/shm (memory charged to the container).
  const id = (await ok(d, ['run', '-d', '--name', 'busy', '-m', '64m', 'busybox', 'sh', '-c',
    'dd if=/dev/zero of=/dev/shm/fill bs=1M count=8 2>/dev/null; while :; do :; done'])).trim();
  await ok(d, ['create', '--name', 'idle', 'busybox']);

  const row = (await ok(d, ['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}'])).trim();
  const m = /^busy (\d+\.\d+)% ([\d.]+)MiB \/ 64MiB 1$/.exec(row);
  assert.ok(m, row);
  assert.ok(Number(m[1]) > 5, `a busy loop shows CPU: ${row}`);
  assert.ok(Number(m[2]) >= 8, `the shm file counts as memory: ${row}`);
  // -a lists the stopped container with the zero figures.
  assert.match(await ok(d, ['stats', '--no-stream', '-a', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}'], DOCKER_CLI_20), /^idle 0B \/ 0B 0$/m);

  // stream=0: one object, precpu primed by a first reading a second earlier.
  const one = await api(d, 'GET', '/containers/busy/stats?stream=0');
  assert.equal(one.status, 200);
  assert.equal(one.headers['content-type'], 'application/json');
  const s = JSON.parse(one.body);
  assert.deepEqual(Object.keys(s), ['read', 'preread', 'pids_stats', 'blkio_stats', 'num_procs', 'storage_stats',
    'cpu_stats', 'precpu_stats', 'memory_stats', 'name', 'id', 'networks']);
  assert.equal(s.name, '/busy');
  assert.equal(s.id, id);
  assert.deepEqual(s.pids_stats, { current: 1 });
  assert.match(s.read, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const gap = Date.parse(s.read) - Date.parse(s.preread);
  assert.ok(gap >= 900 && gap < 5000, `preread a second before read: ${gap} ms`);
  assert.ok(s.cpu_stats.cpu_usage.total_usage > s.precpu_stats.cpu_usage.total_usage);
  assert.ok(s.cpu_stats.system_cpu_usage > s.precpu_stats.system_cpu_usage);
  assert.ok(s.cpu_stats.online_cpus >= 1);
  assert.equal(s.memory_stats.limit, 64 * 1024 * 1024);
  assert.ok(s.memory_stats.usage >= 8 * 1024 * 1024);
  assert.equal(typeof (s.memory_stats.stats.total_inactive_file ?? s.memory_stats.stats.inactive_file), 'number');
  assert.deepEqual(s.storage_stats, {});
  assert.equal(s.num_procs, 0);

  // one-shot: the first reading at once, without precpu.
  const shot = JSON.parse((await api(d, 'GET', '/containers/busy/stats?stream=false&one-shot=1')).body);
  assert.equal(shot.preread, '0001-01-01T00:00:00Z');
  assert.deepEqual(shot.precpu_stats, { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 } });
  const both = await api(d, 'GET', '/containers/busy/stats?stream=1&one-shot=1');
  assert.equal(both.status, 400);
  assert.equal(JSON.parse(both.body).message, 'cannot have stream=true and one-shot=true');

  // Before API 1.21: no name and id, one `network` instead (the interfaces' sum).
  const old = JSON.parse((await api(d, 'GET', '/v1.20/containers/busy/stats?stream=0')).body);
  assert.deepEqual(Object.keys(old).slice(-2), ['memory_stats', 'network']);
  assert.equal(typeof old.network.rx_bytes, 'number');

  // The stream: each object carries the previous one's reading as precpu.
  const [a, b] = await streamLines(d, '/containers/busy/stats', 2);
  assert.equal(a!['preread'], '0001-01-01T00:00:00Z');
  assert.equal(b!['preread'], a!['read']);
  assert.deepEqual(b!['precpu_stats'], a!['cpu_stats']);

  // A container that does not run: the zero value, as dockerd encodes it.
  const idle = await api(d, 'GET', '/containers/idle/stats?stream=0');
  const zero = JSON.parse(idle.body);
  assert.equal(zero.read, '0001-01-01T00:00:00Z');
  assert.deepEqual(zero.pids_stats, {});
  assert.deepEqual(zero.memory_stats, {});
  assert.equal(zero.blkio_stats.io_service_bytes_recursive, null);
  assert.equal(zero.name, '/idle');
  const [z] = await streamLines(d, '/containers/idle/stats', 1);
  assert.deepEqual(z, zero);
  assert.equal((await api(d, 'GET', '/containers/nosuch/stats?stream=0')).status, 404);
});

test('update: limits reach the cgroup files, the record is kept, dockerd\'s refusals', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  const id = (await ok(d, ['run', '-d', '--name', 'lim', '-m', '32m', 'busybox', 'sleep', '1000'])).trim();
  const pid = Number(await inspect(d, 'lim', '{{.State.Pid}}'));
  const memFile = cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max');
  assert.equal(readCg(memFile), String(32 * 1024 * 1024));

  // -m 32m set the swap limit to 64m, so 64m needs no new swap limit.
  assert.equal((await ok(d, ['update', '--memory', '64m', 'lim'])).trim(), 'lim');
  assert.equal(readCg(memFile), String(64 * 1024 * 1024));
  assert.equal(await inspect(d, 'lim', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}'), `${64 * 1024 * 1024} ${64 * 1024 * 1024}`);
  await fails(d, ['update', '--memory', '100m', 'lim'], new RegExp(`Cannot update container ${id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time`));
  await ok(d, ['update', '--memory', '100m', '--memory-swap', '200m', 'lim']);
  assert.equal(readCg(memFile), String(100 * 1024 * 1024));

  await ok(d, ['update', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '10', 'lim'], DOCKER_CLI_20);
  assert.equal(readCg(cgroupFile(pid, 'cpu', 'cpu.cfs_quota_us', 'cpu.max')).split(' ')[0], '50000');
  const shares = cgroupFile(pid, 'cpu', 'cpu.shares', 'cpu.weight');
  if (shares.endsWith('cpu.shares')) assert.equal(readCg(shares), '512');
  assert.equal(readCg(cgroupFile(pid, 'pids', 'pids.max', 'pids.max')), '10');
  assert.equal(await inspect(d, 'lim', '{{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}}'), '500000000 512 10');
  // Any limit under 1 means no limit, recorded as 0 (dockerd's router).
  assert.equal((await api(d, 'POST', '/containers/lim/update', JSON.stringify({ PidsLimit: -5 }))).status, 200);
  assert.equal(readCg(cgroupFile(pid, 'pids', 'pids.max', 'pids.max')), 'max');
  assert.equal(await inspect(d, 'lim', '{{.HostConfig.PidsLimit}}'), '0');
  await fails(d, ['update', '--cpu-quota', '20000', 'lim'], /Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set/);
  await fails(d, ['update', '--memory', '1000', 'lim'], /Minimum memory limit allowed is 6MB/);
  await fails(d, ['update', '--cpuset-cpus', '0-999', 'lim'], /Requested CPUs are not available - requested 0-999, available: /);
  await fails(d, ['update', '--cpus', '0.5', 'nosuch'], /No such container: nosuch/);
  const conflict = await api(d, 'POST', '/containers/lim/update', JSON.stringify({ CpuPeriod: 50000 }));
  assert.equal(conflict.status, 409);
  const badValue = await api(d, 'POST', '/containers/lim/update', JSON.stringify({ Memory: 1000 }));
  assert.equal(badValue.status, 400);
  assert.equal((await api(d, 'POST', '/containers/lim/update', '')).status, 400);
  assert.equal((await api(d, 'POST', '/containers/lim/update', '[1]')).status, 400);
  assert.deepEqual(JSON.parse((await api(d, 'POST', '/containers/lim/update', '{}')).body), { Warnings: null });
  // Without CFQ/BFQ on a v1 host the weight is discarded with dockerd's warning.
  const blkio = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[1]?.split(',').includes('blkio'));
  const blkioDir = blkio ? join('/sys/fs/cgroup', blkio[1]!, blkio[2]!) : '';
  if (blkio && !existsSync(join(blkioDir, 'blkio.weight')) && !existsSync(join(blkioDir, 'blkio.bfq.weight'))) {
    assert.deepEqual(JSON.parse((await api(d, 'POST', '/containers/lim/update', JSON.stringify({ BlkioWeight: 300 }))).body),
      { Warnings: ['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.'] });
    assert.equal(await inspect(d, 'lim', '{{.HostConfig.BlkioWeight}}'), '0');
  }

  // Restart policies: recorded; refused with --rm.
  await ok(d, ['update', '--restart', 'on-failure:3', 'lim']);
  assert.equal(await inspect(d, 'lim', '{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}'), 'on-failure:3');
  await fails(d, ['update', '--restart', 'sometimes', 'lim'], /invalid restart policy 'sometimes'/);
  const auto = (await ok(d, ['run', '-d', '--rm', '--name', 'auto', 'busybox', 'sleep', '1000'])).trim();
  const refused = await api(d, 'POST', '/containers/auto/update', JSON.stringify({ RestartPolicy: { Name: 'always' } }));
  assert.equal(refused.status, 409);
  assert.equal(JSON.parse(refused.body).message, `Cannot update container ${auto}: Restart policy cannot be updated because AutoRemove is enabled for the container`);

  // A stopped container: the record changes now, the cgroup at the next start.
  await ok(d, ['stop', '-t', '0', 'lim']);
  await ok(d, ['update', '--memory', '48m', '--memory-swap', '96m', 'lim']);
  await ok(d, ['start', 'lim']);
  const pid2 = Number(await inspect(d, 'lim', '{{.State.Pid}}'));
  assert.equal(readCg(cgroupFile(pid2, 'memory', 'memory.limit_in_bytes', 'memory.max')), String(48 * 1024 * 1024));

  // Under the memory in use (shm cannot be reclaimed without swap): the kernel refuses, the record stays.
  const memId = (await ok(d, ['run', '-d', '--name', 'full', '-m', '100m', 'busybox', 'sh', '-c',
    'dd if=/dev/zero of=/dev/shm/f bs=1M count=40 2>/dev/null; sleep 1000'])).trim();
  const usage = async (): Promise<number> =>
    (JSON.parse((await api(d, 'GET', '/containers/full/stats?stream=0&one-shot=1')).body) as { memory_stats: { usage?: number } }).memory_stats.usage ?? 0;
  for (let i = 0; i < 100 && (await usage()) < 40 * 1024 * 1024; i++) await new Promise((r) => setTimeout(r, 100));
  const under = await api(d, 'POST', '/containers/full/update', JSON.stringify({ Memory: 10 * 1024 * 1024, MemorySwap: 10 * 1024 * 1024 }));
  assert.equal(under.status, 500, under.body);
  assert.match(JSON.parse(under.body).message, new RegExp(`^Cannot update container ${memId}: .*unable to set memory limit to 10485760 \\(current usage: \\d+, peak usage: \\d+\\)`));
  assert.equal(await inspect(d, 'full', '{{.HostConfig.Memory}}'), String(100 * 1024 * 1024));

  assert.ok((await events(d)).includes('container update lim'));
});

test('container prune: stopped containers only, with until and label filters', { timeout: 180_000 }, async (t) => {
  const d = await setup(t);
  const created = (await ok(d, ['create', '--name', 'created', 'busybox'])).trim();
  const kept = (await ok(d, ['create', '--name', 'kept', '--label', 'keep=1', 'busybox'])).trim();
  await ok(d, ['run', '--name', 'exited', 'busybox', 'sh', '-c', 'echo data > /file']);
  const exited = await inspect(d, 'exited', '{{.Id}}');
  const running = (await ok(d, ['run', '-d', '--name', 'running', 'busybox', 'sleep', '1000'])).trim();
  await ok(d, ['run', '-d', '--name', 'paused', 'busybox', 'sleep', '1000']);
  await ok(d, ['pause', 'paused']);

  // until: nothing was created an hour ago.
  assert.match(await ok(d, ['container', 'prune', '-f', '--filter', 'until=1h']), /Total reclaimed space: 0B/);
  await fails(d, ['container', 'prune', '-f', '--filter', 'colour=red'], /Invalid filter 'colour'/);
  const twoUntil = await api(d, 'POST', `/containers/prune?filters=${encodeURIComponent('{"until":["1h","2h"]}')}`);
  assert.equal(twoUntil.status, 400);
  assert.equal(JSON.parse(twoUntil.body).message, 'more than one until filter specified');

  const out = await ok(d, ['container', 'prune', '-f', '--filter', 'label!=keep=1']);
  assert.match(out, /^Deleted Containers:\n/);
  const deleted = out.split('\n').filter((l) => /^[a-f0-9]{64}$/.test(l)).sort();
  assert.deepEqual(deleted, [created, exited].sort());
  assert.match(out, /Total reclaimed space: \d+(\.\d+)?k?B/);
  assert.notEqual(out.match(/Total reclaimed space: (.*)/)![1], '0B', 'the exited container wrote a file');
  const left = (await ok(d, ['ps', '-a', '--format', '{{.Names}}'])).split('\n').filter(Boolean).sort();
  assert.deepEqual(left, ['kept', 'paused', 'running']);

  const api2 = await api(d, 'POST', `/containers/prune?filters=${encodeURIComponent('{"label":["keep=1"]}')}`);
  assert.deepEqual(JSON.parse(api2.body), { ContainersDeleted: [kept], SpaceReclaimed: 0 });
  assert.deepEqual(JSON.parse((await api(d, 'POST', '/containers/prune')).body), { ContainersDeleted: null, SpaceReclaimed: 0 });
  assert.equal(await inspect(d, 'running', '{{.Id}}'), running);

  const seen = await events(d);
  assert.ok(seen.includes('container destroy created'));
  assert.ok(seen.filter((e) => e.startsWith('container prune')).length >= 3, seen.join('\n'));
  await ok(d, ['rm', '-f', 'paused', 'running']);
});

test('top\'s parser: titles, rows of the container only, thread rows after their process, commands with spaces', () => {
  const out = [
    'USER  PID  TID CMD',
    'root    1    - init',
    '-       -    1 -',
    'root    7    - sleep 1000',
    '-       -    7 -',
    '-       -    8 -',
    'root    9    - other thing',
    '-       -    9 -',
    '',
  ].join('\n');
  assert.deepEqual(parsePsOutput(out, new Set([7])), {
    Titles: ['USER', 'PID', 'TID', 'CMD'],
    Processes: [['root', '7', '-', 'sleep 1000'], ['-', '-', '7', '-'], ['-', '-', '8', '-']],
  });
  assert.deepEqual(parsePsOutput('PID CMD\n', new Set([1])), { Titles: ['PID', 'CMD'], Processes: null });
  assert.throws(() => parsePsOutput('USER CMD\nroot x\n', new Set()), /Couldn't find PID field in ps output/);
  assert.throws(() => parsePsOutput('PID CMD\nabc x\n', new Set()), /Unexpected pid 'abc': strconv.Atoi: parsing "abc": invalid syntax/);
});
