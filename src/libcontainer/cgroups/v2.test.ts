import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kindOf } from '../../engine/errors.js';
import { cgroupMounts } from './detect.js';
import { blkioToIoWeight, CgroupV2, sharesToWeight } from './v2.js';
import { comm, exited, killChild, removeTree, spawnWaiting, uniqueParent } from './testkit.js';

// Runs wherever a unified hierarchy is mounted: the whole /sys/fs/cgroup on a v2 host,
// or /sys/fs/cgroup/unified on a hybrid one (where it may hold no controllers at all).
const { unified } = await cgroupMounts();
const skip = unified ? false : 'no cgroup v2 (unified) hierarchy is mounted on this host';
const MiB = 1024 * 1024;
const read = async (p: string): Promise<string> => (await readFile(p, 'utf8')).trim();

test('v2 weight conversions match runc\'s', () => {
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(blkioToIoWeight(10), 1);
  assert.equal(blkioToIoWeight(1000), 10000);
});

test('v2: create, apply, limits where delegated, stats, freeze/thaw, destroy', { skip }, async (t) => {
  const root = unified!;
  const parent = uniqueParent();
  const id = 'c2';
  const cg = await CgroupV2.open({ id, parent }, root);
  const child = spawnWaiting('exec sleep 30');
  t.after(async () => {
    await writeFile(join(cg.dir, 'cgroup.freeze'), '0').catch(() => undefined);
    killChild(child);
    await exited(child);
    await removeTree([root], parent, id);
  });
  await cg.create();
  assert.ok(existsSync(join(cg.dir, 'cgroup.procs')));
  assert.deepEqual(cg.hierarchies(), [{ name: '', source: cg.dir }]);
  const have = await cg.controllers();
  const limits = { memory: 64 * MiB, pidsLimit: 20, nanoCpus: 5e8, cpusetCpus: '0' };
  if (['memory', 'pids', 'cpu', 'cpuset'].every((c) => have.includes(c))) {
    await cg.set(limits);
    assert.equal(await read(join(cg.dir, 'memory.max')), String(64 * MiB));
    assert.equal(await read(join(cg.dir, 'memory.swap.max')), String(64 * MiB));
    assert.equal(await read(join(cg.dir, 'pids.max')), '20');
    assert.equal(await read(join(cg.dir, 'cpu.max')), '50000 100000');
    assert.equal(await read(join(cg.dir, 'cpuset.cpus')), '0');
  } else {
    // A hybrid host keeps these controllers on v1: the limit must be refused, not dropped.
    await assert.rejects(cg.set(limits), (e: unknown) => kindOf(e) === 'system' && /is not available/.test((e as Error).message));
  }

  const pid = child.pid!;
  await cg.apply(pid);
  child.stdin!.write('\n');
  while ((await comm(pid)) !== 'sleep') await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await cg.pids(), [pid]);
  const s = await cg.stats();
  assert.equal(s.pids_stats.current, 1);
  assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
  assert.ok(s.cpu_stats.online_cpus >= 1);
  if (have.includes('memory')) assert.ok(s.memory_stats.usage > 0);

  await cg.freeze();
  assert.equal(await cg.frozen(), true);
  assert.match(await read(join(cg.dir, 'cgroup.events')), /^frozen 1$/m);
  assert.match(await read(`/proc/${pid}/status`), /^State:\s+S/m);
  await cg.thaw();
  assert.equal(await cg.frozen(), false);
  assert.equal(await cg.oomKilled(), false);

  process.kill(pid, 'SIGKILL');
  await exited(child);
  await cg.destroy();
  assert.equal(existsSync(cg.dir), false);
  await removeTree([root], parent, id);
  assert.equal(existsSync(join(root, parent)), false);
});
