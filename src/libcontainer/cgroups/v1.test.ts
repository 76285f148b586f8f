import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupMounts, cgroupVersion, parseMountinfo } from './detect.js';
import { CgroupV1 } from './v1.js';
import { comm, exited, killChild, removeTree, spawnWaiting, uniqueParent } from './testkit.js';

const mounts = await cgroupMounts();
const skip = mounts.v1.size === 0 ? 'no cgroup v1 controllers are mounted on this host' : false;
const MiB = 1024 * 1024;
const read = async (p: string): Promise<string> => (await readFile(p, 'utf8')).trim();

test('mountinfo parsing maps combined v1 mounts and finds cgroup2', () => {
  const m = parseMountinfo([
    '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  ].join('\n'));
  assert.equal(m.v1.get('cpu'), '/sys/fs/cgroup/cpu,cpuacct');
  assert.equal(m.v1.get('cpuacct'), '/sys/fs/cgroup/cpu,cpuacct');
  assert.equal(m.v1.get('memory'), '/sys/fs/cgroup/memory');
  assert.equal(m.v1.has('systemd'), false);
  assert.equal(m.unified, '/sys/fs/cgroup/unified');
});

test('cgroupVersion reports this host', async () => {
  const v = await cgroupVersion();
  assert.equal(v, mounts.unified === '/sys/fs/cgroup' ? '2' : '1');
});

test('v1: limits, apply, stats, freeze/thaw, destroy', { skip }, async (t) => {
  const parent = uniqueParent();
  const id = 'c1';
  const cg = await CgroupV1.open({ id, parent });
  const child = spawnWaiting('exec sleep 30');
  t.after(async () => {
    await writeIfExists(cg.dir('freezer'), 'freezer.state', 'THAWED');
    killChild(child);
    await exited(child);
    await removeTree(mounts.v1.values(), parent, id);
  });
  await cg.create();
  await cg.set({ memory: 64 * MiB, pidsLimit: 20, nanoCpus: 5e8, cpusetCpus: '0' });
  const mem = cg.dir('memory')!;
  assert.equal(await read(join(mem, 'memory.limit_in_bytes')), String(64 * MiB));
  if (existsSync(join(mem, 'memory.memsw.limit_in_bytes'))) {
    // dockerd's default: swap as large as the memory limit, so memsw = 2 x memory.
    assert.equal(await read(join(mem, 'memory.memsw.limit_in_bytes')), String(128 * MiB));
  }
  assert.equal(await read(join(cg.dir('pids')!, 'pids.max')), '20');
  assert.equal(await read(join(cg.dir('cpu')!, 'cpu.cfs_quota_us')), '50000');
  assert.equal(await read(join(cg.dir('cpu')!, 'cpu.cfs_period_us')), '100000');
  assert.equal(await read(join(cg.dir('cpuset')!, 'cpuset.cpus')), '0');

  // The container's /sys/fs/cgroup view: one existing directory per hierarchy.
  const view = cg.hierarchies();
  assert.equal(view.length, new Set(mounts.v1.values()).size);
  for (const h of view) assert.ok(existsSync(h.source) && h.source.endsWith(`/${parent}/${id}`), h.source);
  assert.ok(view.some((h) => h.name === 'memory'));

  const pid = child.pid!;
  await cg.apply(pid);
  for (const c of ['memory', 'pids', 'freezer', 'cpu', 'cpuset']) {
    assert.ok((await read(join(cg.dir(c)!, 'cgroup.procs'))).split('\n').includes(String(pid)), c);
  }
  // Let the child exec now that it is inside: its new pages are charged to the group.
  child.stdin!.write('\n');
  while ((await comm(pid)) !== 'sleep') await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await cg.pids(), [pid]);

  const s = await cg.stats();
  assert.ok(s.memory_stats.usage > 0, `memory usage ${s.memory_stats.usage}`);
  assert.equal(s.memory_stats.limit, 64 * MiB);
  assert.ok(s.memory_stats.max_usage! >= s.memory_stats.usage);
  assert.ok(typeof s.memory_stats.stats.rss === 'number');
  assert.deepEqual(s.pids_stats, { current: 1, limit: 20 });
  assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
  assert.ok(s.cpu_stats.system_cpu_usage > s.cpu_stats.cpu_usage.total_usage);
  assert.ok(s.cpu_stats.online_cpus >= 1);
  assert.equal(s.cpu_stats.cpu_usage.percpu_usage!.length >= s.cpu_stats.online_cpus, true);
  assert.ok(Array.isArray(s.blkio_stats.io_service_bytes_recursive));

  await cg.freeze();
  assert.equal(await read(join(cg.dir('freezer')!, 'freezer.state')), 'FROZEN');
  assert.equal(await cg.frozen(), true);
  await cg.thaw();
  assert.equal(await read(join(cg.dir('freezer')!, 'freezer.state')), 'THAWED');
  assert.equal(await cg.frozen(), false);
  assert.equal(await cg.oomKilled(), false);

  // A live process keeps the group busy: destroy refuses rather than kill it.
  await assert.rejects(cg.destroy(), /EBUSY|failed to remove cgroup/);
  process.kill(pid, 'SIGKILL');
  await exited(child);
  await cg.destroy();
  for (const m of new Set(mounts.v1.values())) assert.equal(existsSync(join(m, parent, id)), false, m);
  await removeTree(mounts.v1.values(), parent, id);
  for (const m of new Set(mounts.v1.values())) assert.equal(existsSync(join(m, parent)), false, m);
});

test('v1: a process beyond its memory limit is OOM-killed and oomKilled() says so', { skip }, async (t) => {
  const parent = uniqueParent();
  const id = 'oom';
  const cg = await CgroupV1.open({ id, parent });
  // Allocate and touch 200 MB in 8 MB steps once told to go.
  const child = spawnWaiting(`exec ${process.execPath} -e "const a=[];for(let i=0;i<25;i++)a.push(Buffer.alloc(8<<20,1));"`);
  t.after(async () => {
    killChild(child);
    await exited(child);
    await removeTree(mounts.v1.values(), parent, id);
  });
  await cg.create();
  const memsw = existsSync(join(cg.dir('memory')!, 'memory.memsw.limit_in_bytes'));
  // Without memsw, swap could absorb the excess: swappiness 0 keeps it in RAM.
  await cg.set({ memory: 64 * MiB, memorySwap: 64 * MiB, ...(memsw ? {} : { memorySwappiness: 0 }) });
  await cg.apply(child.pid!);
  child.stdin!.write('\n');
  const exit = await exited(child);
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(await cg.oomKilled(), true);
  await cg.destroy();
});

async function writeIfExists(dir: string | undefined, file: string, value: string): Promise<void> {
  if (!dir) return;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, file), value).catch(() => undefined);
}

test('v1: docker update can raise and lower memory across the memsw limit; nested parents', { skip }, async (t) => {
  const top = uniqueParent();
  const parent = `${top}/inner`;
  const id = 'upd';
  const { openCgroup } = await import('./index.js');
  const cg = await openCgroup({ id, parent }, '1') as CgroupV1;
  t.after(async () => {
    await removeTree(mounts.v1.values(), parent, id);
    await removeTree(mounts.v1.values(), top, '.');
  });
  await cg.create();
  assert.ok(cg.dir('memory')!.endsWith(`/${top}/inner/${id}`));
  // Tasks can join a nested cpuset group: its cpus/mems were inherited at each level.
  assert.notEqual(await read(join(cg.dir('cpuset')!, 'cpuset.cpus')), '');
  assert.notEqual(await read(join(cg.dir('cpuset')!, 'cpuset.mems')), '');
  const mem = cg.dir('memory')!;
  const memsw = existsSync(join(mem, 'memory.memsw.limit_in_bytes'));
  await cg.set({ memory: 64 * MiB, memorySwap: 96 * MiB });
  // Raising memory above the current memsw (96M) needs memsw written first.
  await cg.set({ memory: 256 * MiB, memorySwap: 512 * MiB });
  assert.equal(await read(join(mem, 'memory.limit_in_bytes')), String(256 * MiB));
  if (memsw) assert.equal(await read(join(mem, 'memory.memsw.limit_in_bytes')), String(512 * MiB));
  // Lowering both needs memory written first.
  await cg.set({ memory: 32 * MiB, memorySwap: 48 * MiB });
  assert.equal(await read(join(mem, 'memory.limit_in_bytes')), String(32 * MiB));
  if (memsw) assert.equal(await read(join(mem, 'memory.memsw.limit_in_bytes')), String(48 * MiB));
  // Back to unlimited, and pids unlimited.
  await cg.set({ memory: 0, memorySwap: -1, pidsLimit: 0 });
  assert.ok(Number(await read(join(mem, 'memory.limit_in_bytes'))) > 2 ** 60);
  assert.equal(await read(join(cg.dir('pids')!, 'pids.max')), 'max');
  await cg.destroy();
  assert.equal(existsSync(mem), false);
});
