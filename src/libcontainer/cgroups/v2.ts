/**
 * cgroup v2 driver: one unified hierarchy (normally /sys/fs/cgroup). A container's
 * group is `<root>/<parent>/<id>`; a controller's files appear in a group only when
 * every ancestor lists the controller in `cgroup.subtree_control`, so `create` enables
 * the ones berth uses along the way. Groups with processes cannot delegate (the
 * no-internal-process rule), which is why containers live in leaves under a parent.
 *
 *   /sys/fs/cgroup/berth/<id>/memory.max
 *   /sys/fs/cgroup/berth/<id>/cpu.max
 *   /sys/fs/cgroup/berth/<id>/cgroup.freeze
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { System } from '../../engine/errors.js';
import { cgroupMounts } from './detect.js';
import {
  parseKeyValues, parsePids, readNumber, readOptional, readText, removeGroupDir, waitFor, writeValue,
} from './fs.js';
import { hostCpu, hostMemory } from './host.js';
import { cpuQuota, DEFAULT_CPU_PERIOD, memorySwapTotal, type Resources } from './resources.js';
import type { BlkioEntry, CgroupManager, CgroupStats, ManagerOptions } from './types.js';

const WANTED = ['cpuset', 'cpu', 'io', 'memory', 'pids'];

/** `--cpu-shares` (2..262144, 1024 normal) → `cpu.weight` (1..10000, 100 normal), as runc maps it. */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** `--blkio-weight` (10..1000) → `io.weight` (1..10000). */
export function blkioToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** `io.stat` rows (`8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...`) → Docker's read/write rows. */
function parseIoStat(text: string | undefined): { bytes: BlkioEntry[]; ios: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(pairs.map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]));
    const row = (op: string, value: number | undefined): BlkioEntry => ({ major: Number(m[1]), minor: Number(m[2]), op, value: value ?? 0 });
    bytes.push(row('read', kv.rbytes), row('write', kv.wbytes));
    ios.push(row('read', kv.rios), row('write', kv.wios));
  }
  return { bytes, ios };
}

export class CgroupV2 implements CgroupManager {
  readonly version = '2' as const;
  readonly path: string;
  /** The group's directory. */
  readonly dir: string;

  private constructor(private readonly root: string, opts: ManagerOptions) {
    this.path = `/${opts.parent ?? 'berth'}/${opts.id}`;
    this.dir = join(root, this.path);
  }

  /** A manager for the unified hierarchy at `root` (found in mountinfo by default). */
  static async open(opts: ManagerOptions, root?: string): Promise<CgroupV2> {
    const r = root ?? (await cgroupMounts()).unified;
    if (!r) throw new System('no cgroup v2 (unified) hierarchy is mounted');
    return new CgroupV2(r, opts);
  }

  private f(name: string): string {
    return join(this.dir, name);
  }

  async create(): Promise<void> {
    // Walk from the root down, enabling the wanted controllers for each level's children.
    let dir = this.root;
    for (const part of this.path.split('/').filter(Boolean)) {
      const available = ((await readOptional(join(dir, 'cgroup.controllers'))) ?? '').split(/\s+/);
      const enable = WANTED.filter((c) => available.includes(c));
      const current = ((await readOptional(join(dir, 'cgroup.subtree_control'))) ?? '').split(/\s+/);
      const missing = enable.filter((c) => !current.includes(c));
      if (missing.length > 0) await writeValue(join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
      dir = join(dir, part);
      await mkdir(dir, { recursive: true });
    }
  }

  async apply(pid: number): Promise<void> {
    await writeValue(this.f('cgroup.procs'), pid);
  }

  /** The controllers enabled for this group; a limit on another one cannot be applied. */
  async controllers(): Promise<string[]> {
    return ((await readOptional(this.f('cgroup.controllers'))) ?? '').split(/\s+/).filter(Boolean);
  }

  private async need(controllers: string[], controller: string): Promise<void> {
    if (!controllers.includes(controller)) {
      throw new System(`cgroup v2 controller ${controller} is not available for ${this.path}`);
    }
  }

  async set(r: Resources): Promise<void> {
    const have = await this.controllers();
    const memory = r.memory === undefined ? undefined : r.memory > 0 ? r.memory : 'max';
    const total = memorySwapTotal(r);
    if (memory !== undefined || total !== undefined || r.memoryReservation !== undefined) {
      await this.need(have, 'memory');
      if (memory !== undefined) await writeValue(this.f('memory.max'), memory);
      // v2 limits swap alone, v1 and the API limit memory+swap: subtract.
      if (total !== undefined) {
        const swap = total === -1 ? 'max' : typeof memory === 'number' ? Math.max(total - memory, 0) : undefined;
        if (swap !== undefined) await writeValue(this.f('memory.swap.max'), swap);
      }
      if (r.memoryReservation !== undefined) {
        await writeValue(this.f('memory.low'), r.memoryReservation > 0 ? r.memoryReservation : 0);
      }
    }
    const q = cpuQuota(r);
    if (r.cpuShares || q || r.nanoCpus === 0 || r.cpuQuota === -1) {
      await this.need(have, 'cpu');
      if (r.cpuShares) await writeValue(this.f('cpu.weight'), sharesToWeight(r.cpuShares));
      if (q) await writeValue(this.f('cpu.max'), `${q.quota} ${q.period}`);
      else if (r.nanoCpus === 0 || r.cpuQuota === -1) await writeValue(this.f('cpu.max'), `max ${DEFAULT_CPU_PERIOD}`);
    }
    if (r.cpusetCpus || r.cpusetMems) {
      await this.need(have, 'cpuset');
      if (r.cpusetCpus) await writeValue(this.f('cpuset.cpus'), r.cpusetCpus);
      if (r.cpusetMems) await writeValue(this.f('cpuset.mems'), r.cpusetMems);
    }
    if (r.pidsLimit !== undefined) {
      await this.need(have, 'pids');
      await writeValue(this.f('pids.max'), r.pidsLimit > 0 ? r.pidsLimit : 'max');
    }
    if (r.blkioWeight) {
      await this.need(have, 'io');
      const bfq = this.f('io.bfq.weight');
      if ((await readOptional(bfq)) !== undefined) await writeValue(bfq, r.blkioWeight);
      else await writeValue(this.f('io.weight'), `default ${blkioToIoWeight(r.blkioWeight)}`);
    }
    // io.max takes a key per limit: one write per device and limit, as runc writes them.
    const t = r.throttles;
    if (t) {
      const all = [['rbps', t.readBps], ['wbps', t.writeBps], ['riops', t.readIops], ['wiops', t.writeIops]] as const;
      if (all.some(([, list]) => list.length)) await this.need(have, 'io');
      for (const [key, list] of all) {
        for (const d of list) await writeValue(this.f('io.max'), `${d.major}:${d.minor} ${key}=${d.rate}`);
      }
    }
  }

  async freeze(): Promise<void> {
    await this.setFrozen(true);
  }

  async thaw(): Promise<void> {
    await this.setFrozen(false);
  }

  async frozen(): Promise<boolean> {
    return parseKeyValues((await readOptional(this.f('cgroup.events'))) ?? '').frozen === 1;
  }

  /** Writes cgroup.freeze and waits for cgroup.events to report the new state. */
  private async setFrozen(on: boolean): Promise<void> {
    await writeValue(this.f('cgroup.freeze'), on ? 1 : 0);
    if (!(await waitFor(async () => (await this.frozen()) === on, 5000))) {
      if (on) await writeValue(this.f('cgroup.freeze'), 0);
      throw new System(`cgroup ${this.path} did not become ${on ? 'frozen' : 'thawed'}`);
    }
  }

  async stats(): Promise<CgroupStats> {
    const cpu = parseKeyValues((await readOptional(this.f('cpu.stat'))) ?? '');
    const host = await hostCpu();
    const limit = await readNumber(this.f('memory.max'));
    const hostMem = await hostMemory();
    const io = parseIoStat(await readOptional(this.f('io.stat')));
    const pidsCurrent = await readNumber(this.f('pids.current'));
    const pidsLimit = await readNumber(this.f('pids.max'));
    return {
      cpu_stats: {
        cpu_usage: {
          total_usage: (cpu.usage_usec ?? 0) * 1000,
          usage_in_kernelmode: (cpu.system_usec ?? 0) * 1000,
          usage_in_usermode: (cpu.user_usec ?? 0) * 1000,
        },
        system_cpu_usage: host.systemUsage,
        online_cpus: host.onlineCpus,
        throttling_data: {
          periods: cpu.nr_periods ?? 0,
          throttled_periods: cpu.nr_throttled ?? 0,
          throttled_time: (cpu.throttled_usec ?? 0) * 1000,
        },
      },
      memory_stats: {
        usage: (await readNumber(this.f('memory.current'))) ?? 0,
        limit: limit === undefined || (hostMem > 0 && limit > hostMem) ? hostMem : limit,
        stats: parseKeyValues((await readOptional(this.f('memory.stat'))) ?? ''),
      },
      pids_stats: {
        current: pidsCurrent ?? (await this.pids()).length,
        ...(pidsLimit === undefined ? {} : { limit: pidsLimit }),
      },
      blkio_stats: {
        io_service_bytes_recursive: io.bytes,
        io_serviced_recursive: io.ios,
        io_queue_recursive: [],
        io_service_time_recursive: [],
        io_wait_time_recursive: [],
        io_merged_recursive: [],
        io_time_recursive: [],
        sectors_recursive: [],
      },
    };
  }

  hierarchies(): { name: string; source: string }[] {
    return [{ name: '', source: this.dir }];
  }

  async pids(): Promise<number[]> {
    return parsePids(await readText(this.f('cgroup.procs')));
  }

  async oomKilled(): Promise<boolean> {
    const events = parseKeyValues((await readOptional(this.f('memory.events'))) ?? '');
    return (events.oom_kill ?? 0) > 0;
  }

  async destroy(): Promise<void> {
    await removeGroupDir(this.dir);
  }
}
