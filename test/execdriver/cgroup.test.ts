/** Resources, pause/resume, stats, top, update and OOM through the native driver. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupMounts } from '../../src/libcontainer/cgroups/index.js';
import { logPath, logText, run, setup, until } from './harness.js';

async function v1Dir(controller: string, parent: string, id: string): Promise<string> {
  const m = await cgroupMounts();
  const root = m.v1.get(controller);
  assert.ok(root, `cgroup v1 ${controller} is mounted`);
  return join(root, parent, id);
}

const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8').trim();

test('limits are in place before the command runs, and update changes them', async (t) => {
  const env = await setup(t);
  const { id, h } = await run(env, { args: ['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; sleep 100'] },
    { resources: { memory: 64 * 1024 * 1024, cpuShares: 512, pidsLimit: 50, nanoCpus: 500_000_000, cpusetCpus: '0' } });
  const mem = await v1Dir('memory', env.parent, id);
  assert.equal(read(mem, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
  assert.equal(read(await v1Dir('cpu', env.parent, id), 'cpu.shares'), '512');
  assert.equal(read(await v1Dir('cpu', env.parent, id), 'cpu.cfs_quota_us'), '50000');
  assert.equal(read(await v1Dir('pids', env.parent, id), 'pids.max'), '50');
  assert.equal(read(await v1Dir('cpuset', env.parent, id), 'cpuset.cpus'), '0');
  // The container itself saw the limit: it was set before its first instruction.
  await until(() => logText(logPath(env, id)).length > 0, 'the container printing its limit');
  assert.equal(logText(logPath(env, id)), `${64 * 1024 * 1024}\n`);
  await h.update({ memory: 128 * 1024 * 1024, memorySwap: 256 * 1024 * 1024, pidsLimit: 20 });
  assert.equal(read(mem, 'memory.limit_in_bytes'), String(128 * 1024 * 1024));
  assert.equal(read(await v1Dir('pids', env.parent, id), 'pids.max'), '20');
  await h.cleanup();
  assert.equal((await h.wait()).exitCode, 137);
  await assert.rejects(import('node:fs/promises').then((f) => f.stat(mem)), { code: 'ENOENT' }, 'cgroup removed by cleanup');
});

test('pause freezes the container and resume thaws it', async (t) => {
  const env = await setup(t);
  const { id, h } = await run(env, { args: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done'] });
  const freezer = await v1Dir('freezer', env.parent, id);
  await until(() => logText(logPath(env, id)).length > 0, 'first output');
  await h.pause();
  assert.equal(read(freezer, 'freezer.state'), 'FROZEN');
  const before = logText(logPath(env, id));
  await sleep(300);
  assert.equal(logText(logPath(env, id)), before, 'no output while paused');
  await h.resume();
  assert.equal(read(freezer, 'freezer.state'), 'THAWED');
  await until(() => logText(logPath(env, id)).length > before.length, 'output after resume');
  // cleanup of a paused container still ends it
  await h.pause();
  await h.cleanup();
  assert.equal((await h.wait()).exitCode, 137);
});

test('top lists the container\'s host pids and stats has Docker\'s shape', async (t) => {
  const env = await setup(t);
  const { h } = await run(env, { args: ['sh', '-c', 'sleep 100 & sleep 100; true'] }, { resources: { memory: 32 * 1024 * 1024, pidsLimit: 10 } });
  await until(async () => (await h.top()).length === 3, 'sh and two sleeps');
  const pids = await h.top();
  assert.ok(pids.includes(h.pid));
  for (const p of pids) assert.match(readFileSync(`/proc/${p}/cmdline`, 'utf8'), /^(sh|sleep)\0/);
  const s = await h.stats();
  assert.deepEqual([...s.pids].sort(), [...pids].sort());
  assert.equal(s.memory_stats.limit, 32 * 1024 * 1024);
  assert.ok(s.memory_stats.usage > 0);
  assert.equal(s.pids_stats.current, 3);
  assert.equal(s.pids_stats.limit, 10);
  assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
  assert.ok(s.cpu_stats.online_cpus >= 1);
  assert.ok(Array.isArray(s.blkio_stats.io_service_bytes_recursive));
});

test('a container killed by the OOM killer reports oomKilled', async (t) => {
  const env = await setup(t);
  // The shell keeps the whole command substitution in memory: 100 MB against a 16 MiB limit.
  const { h } = await run(env, { args: ['sh', '-c', 'x=$(head -c 100000000 /dev/zero | tr "\\0" a); echo survived'] },
    { resources: { memory: 16 * 1024 * 1024, memorySwap: 16 * 1024 * 1024 } });
  const st = await h.wait();
  assert.equal(st.oomKilled, true);
  assert.notEqual(st.exitCode, 0);
  const { h: h2 } = await run(env, { args: ['true'] }, { resources: { memory: 16 * 1024 * 1024 } });
  assert.equal((await h2.wait()).oomKilled, false);
});
