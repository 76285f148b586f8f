/**
 * cgroup v1 driver. Each controller is its own hierarchy, mounted under
 * /sys/fs/cgroup/<controller> (found in mountinfo; cpu and cpuacct are often one
 * mount). A container's group is `<mount>/<parent>/<id>` in every hierarchy:
 *
 *   /sys/fs/cgroup/memory/berth/<id>/memory.limit_in_bytes
 *   /sys/fs/cgroup/cpu,cpuacct/berth/<id>/cpu.cfs_quota_us
 *   /sys/fs/cgroup/freezer/berth/<id>/freezer.state
 */
import { mkdir, readFile, access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { System } from '../../engine/errors.js';
import { cgroupMounts, V1_CONTROLLERS, type CgroupMounts } from './detect.js';
import {
  CgroupRangeError, parseKeyValues, parsePids, readNumber, readOptional, readText, removeGroupDir, waitFor, writeValue,
} from './fs.js';
import { CLOCK_TICKS, hostCpu, hostMemory } from './host.js';
import { cpuQuota, deviceRuleText, memorySwapTotal, type DeviceRule, type Resources } from './resources.js';
import type { BlkioEntry, CgroupManager, CgroupStats, ManagerOptions } from './types.js';

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** Parses blkio files: `8:0 Read 4096` rows; the trailing `Total` row is dropped. */
function parseBlkio(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!dev) continue;
    // Files without an op column (io_time, sectors) have just "maj:min value".
    const [op, value] = f.length >= 3 ? [f[1]!, f[2]!] : ['', f[1]!];
    out.push({ major: Number(dev[1]), minor: Number(dev[2]), op, value: Number(value) });
  }
  return out;
}

export class CgroupV1 implements CgroupManager {
  readonly version = '1' as const;
  readonly path: string;
  private readonly parent: string;

  private constructor(private readonly mounts: CgroupMounts, opts: ManagerOptions) {
    this.parent = opts.parent ?? 'berth';
    this.path = `/${this.parent}/${opts.id}`;
  }

  /** A manager for the host's v1 hierarchies (or `mounts` given by a test). */
  static async open(opts: ManagerOptions, mounts?: CgroupMounts): Promise<CgroupV1> {
    const m = mounts ?? await cgroupMounts();
    if (m.v1.size === 0) throw new System('no cgroup v1 controllers are mounted');
    return new CgroupV1(m, opts);
  }

  /** The group's directory in one controller's hierarchy, undefined when not mounted. */
  dir(controller: string): string | undefined {
    const mount = this.mounts.v1.get(controller);
    return mount === undefined ? undefined : join(mount, this.path);
  }

  /** The distinct directories of the group, one per mounted hierarchy. */
  private dirs(): string[] {
    const set = new Set<string>();
    for (const c of V1_CONTROLLERS) {
      const d = this.dir(c);
      if (d) set.add(d);
    }
    return [...set];
  }

  private file(controller: string, name: string): string {
    const d = this.dir(controller);
    if (!d) throw new System(`cgroup controller ${controller} is not mounted`);
    return join(d, name);
  }

  async create(): Promise<void> {
    // One hierarchy per controller, independent of each other: made side by side.
    await Promise.all(this.dirs().map((d) => mkdir(d, { recursive: true })));
    // A new cpuset group starts with no CPUs and no memory nodes, and the kernel
    // refuses tasks until both are set: inherit them level by level from the top.
    const cpusetMount = this.mounts.v1.get('cpuset');
    if (cpusetMount) {
      let dir = cpusetMount;
      for (const part of this.path.split('/').filter(Boolean)) {
        const child = join(dir, part);
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          if ((await readText(join(child, f))) === '') await writeValue(join(child, f), await readText(join(dir, f)));
        }
        dir = child;
      }
    }
  }

  /**
   * Moves `pid` (a process of one thread: the init before it execs, an exec's child)
   * into the group. v1's `tasks` moves just that thread, which here is the whole
   * process, and costs the kernel less than `cgroup.procs`, which migrates a thread
   * group under the global lock. The hierarchies are written side by side.
   */
  async apply(pid: number): Promise<void> {
    await Promise.all(this.dirs().map((d) => writeValue(join(d, 'tasks'), pid)));
  }

  async set(r: Resources): Promise<void> {
    if (r.devices) await this.setDevices(r.devices);
    await this.setMemory(r);
    if (r.cpuShares) await this.setShares(r.cpuShares);
    const q = cpuQuota(r);
    if (q) {
      await writeValue(this.file('cpu', 'cpu.cfs_period_us'), q.period);
      await writeValue(this.file('cpu', 'cpu.cfs_quota_us'), q.quota);
    } else if (r.nanoCpus === 0 || r.cpuQuota === -1) {
      await writeValue(this.file('cpu', 'cpu.cfs_quota_us'), -1);
    }
    // runc's order: the period, then the runtime the kernel checks against it; runc
    // writes both while it makes the group (its Apply), so a refusal says that phase.
    if (r.cpuRealtimePeriod) await writeValue(this.file('cpu', 'cpu.rt_period_us'), r.cpuRealtimePeriod, 'apply');
    if (r.cpuRealtimeRuntime) await writeValue(this.file('cpu', 'cpu.rt_runtime_us'), r.cpuRealtimeRuntime, 'apply');
    if (r.cpusetCpus) await writeValue(this.file('cpuset', 'cpuset.cpus'), r.cpusetCpus);
    if (r.cpusetMems) await writeValue(this.file('cpuset', 'cpuset.mems'), r.cpusetMems);
    if (r.pidsLimit !== undefined) {
      await writeValue(this.file('pids', 'pids.max'), r.pidsLimit > 0 ? r.pidsLimit : 'max');
    }
    if (r.blkioWeight) {
      // CFQ's blkio.weight, or BFQ's on kernels that dropped CFQ.
      const cfq = this.file('blkio', 'blkio.weight');
      const bfq = this.file('blkio', 'blkio.bfq.weight');
      if (await exists(cfq)) await writeValue(cfq, r.blkioWeight);
      else if (await exists(bfq)) await writeValue(bfq, r.blkioWeight);
      else throw new System('blkio weight is not supported by this kernel (no blkio.weight or blkio.bfq.weight)');
    }
    // One write per device, as runc writes them.
    const t = r.throttles;
    if (t) {
      for (const [file, list] of [['read_bps', t.readBps], ['write_bps', t.writeBps], ['read_iops', t.readIops], ['write_iops', t.writeIops]] as const) {
        for (const d of list) await writeValue(this.file('blkio', `blkio.throttle.${file}_device`), `${d.major}:${d.minor} ${d.rate}`);
      }
    }
  }

  /**
   * cpu.shares as runc sets it: the value as Go's uint64 (so -1 is huge), then read back,
   * since the kernel clamps to 2..262144 without an error; a clamped value is refused.
   */
  private async setShares(shares: number): Promise<void> {
    const file = this.file('cpu', 'cpu.shares');
    await writeValue(file, shares < 0 ? BigInt.asUintN(64, BigInt(shares)).toString() : shares);
    const got = Number((await readFile(file, 'utf8')).trim());
    if (shares < 0 || shares > got) throw new CgroupRangeError(`the maximum allowed cpu-shares is ${got}`);
    if (shares < got) throw new CgroupRangeError(`the minimum allowed cpu-shares is ${got}`);
  }

  /** The device rules in order: each to devices.deny or devices.allow. */
  private async setDevices(rules: DeviceRule[]): Promise<void> {
    if (!this.dir('devices')) return;
    for (const r of rules) await writeValue(this.file('devices', r.allow ? 'devices.allow' : 'devices.deny'), deviceRuleText(r));
  }

  private async setMemory(r: Resources): Promise<void> {
    const limitFile = this.file('memory', 'memory.limit_in_bytes');
    const swapFile = this.file('memory', 'memory.memsw.limit_in_bytes');
    const hasSwapFile = await exists(swapFile);
    const memory = r.memory === undefined ? undefined : r.memory > 0 ? r.memory : -1;
    const swap = memorySwapTotal(r);
    if (memory !== undefined || swap !== undefined) {
      // The kernel keeps memsw >= memory at every step, so the order depends on
      // whether the new memory limit rises above the current memsw limit.
      const currentSwap = hasSwapFile ? await readNumber(swapFile) : undefined;
      const raising = memory === -1 || (memory !== undefined && currentSwap !== undefined && memory > currentSwap);
      const writeSwap = async (): Promise<void> => {
        if (swap !== undefined && hasSwapFile) await writeValue(swapFile, swap);
      };
      if (raising) await writeSwap();
      if (memory !== undefined) await writeValue(limitFile, memory);
      if (!raising) await writeSwap();
    }
    if (r.memoryReservation !== undefined) {
      await writeValue(this.file('memory', 'memory.soft_limit_in_bytes'), r.memoryReservation > 0 ? r.memoryReservation : -1);
    }
    if (r.memorySwappiness !== undefined && r.memorySwappiness >= 0) {
      await writeValue(this.file('memory', 'memory.swappiness'), r.memorySwappiness);
    }
    // runc writes only the switch on; a new group starts with the killer enabled.
    if (r.oomKillDisable) await writeValue(this.file('memory', 'memory.oom_control'), 1);
  }

  async freeze(): Promise<void> {
    await this.setFreezer('FROZEN');
  }

  async thaw(): Promise<void> {
    await this.setFreezer('THAWED');
  }

  async frozen(): Promise<boolean> {
    return (await readText(this.file('freezer', 'freezer.state'))) === 'FROZEN';
  }

  /** Writes the state and waits until it settles: FREEZING turns FROZEN once every task stopped. */
  private async setFreezer(state: 'FROZEN' | 'THAWED'): Promise<void> {
    const file = this.file('freezer', 'freezer.state');
    await writeValue(file, state);
    // Re-writing FROZEN retries tasks that were busy in the kernel on the first pass.
    const settled = await waitFor(async () => (await readText(file)) === state, 5000, () => writeValue(file, state));
    if (!settled) {
      if (state === 'FROZEN') await writeValue(file, 'THAWED');
      throw new System(`cgroup ${this.path} did not become ${state}`);
    }
  }

  async stats(): Promise<CgroupStats> {
    const cpuDir = this.dir('cpuacct') ?? this.dir('cpu');
    const acct = (f: string): Promise<string | undefined> =>
      cpuDir ? readOptional(join(cpuDir, f)) : Promise.resolve(undefined);
    const ticks = parseKeyValues((await acct('cpuacct.stat')) ?? '');
    const cpuStat = parseKeyValues((await readOptional(this.file('cpu', 'cpu.stat'))) ?? '');
    const host = await hostCpu();
    const percpu = ((await acct('cpuacct.usage_percpu')) ?? '').split(/\s+/).filter(Boolean).map(Number);

    const mem = (f: string): string => this.file('memory', f);
    const limit = await readNumber(mem('memory.limit_in_bytes'));
    const hostMem = await hostMemory();
    const blk = (f: string): Promise<string | undefined> => readOptional(this.file('blkio', f));
    // Throttle files are filled by every block driver; the CFQ ones only under CFQ.
    const bytes = (await blk('blkio.throttle.io_service_bytes_recursive')) ?? (await blk('blkio.io_service_bytes_recursive'));
    const ios = (await blk('blkio.throttle.io_serviced_recursive')) ?? (await blk('blkio.io_serviced_recursive'));
    return {
      cpu_stats: {
        cpu_usage: {
          total_usage: Number((await acct('cpuacct.usage')) ?? 0),
          percpu_usage: percpu,
          usage_in_kernelmode: ((ticks.system ?? 0) * 1e9) / CLOCK_TICKS,
          usage_in_usermode: ((ticks.user ?? 0) * 1e9) / CLOCK_TICKS,
        },
        system_cpu_usage: host.systemUsage,
        online_cpus: host.onlineCpus,
        throttling_data: {
          periods: cpuStat.nr_periods ?? 0,
          throttled_periods: cpuStat.nr_throttled ?? 0,
          throttled_time: cpuStat.throttled_time ?? 0,
        },
      },
      memory_stats: {
        usage: (await readNumber(mem('memory.usage_in_bytes'))) ?? 0,
        max_usage: (await readNumber(mem('memory.max_usage_in_bytes'))) ?? 0,
        failcnt: (await readNumber(mem('memory.failcnt'))) ?? 0,
        limit: limit === undefined || (hostMem > 0 && limit > hostMem) ? hostMem : limit,
        stats: parseKeyValues((await readOptional(mem('memory.stat'))) ?? ''),
      },
      pids_stats: this.mounts.v1.has('pids') ? {
        current: (await readNumber(this.file('pids', 'pids.current'))) ?? 0,
        ...await readNumber(this.file('pids', 'pids.max')).then((l) => (l === undefined ? {} : { limit: l })),
      } : { current: (await this.pids()).length },
      blkio_stats: {
        io_service_bytes_recursive: parseBlkio(bytes),
        io_serviced_recursive: parseBlkio(ios),
        io_queue_recursive: parseBlkio(await blk('blkio.io_queued_recursive')),
        io_service_time_recursive: parseBlkio(await blk('blkio.io_service_time_recursive')),
        io_wait_time_recursive: parseBlkio(await blk('blkio.io_wait_time_recursive')),
        io_merged_recursive: parseBlkio(await blk('blkio.io_merged_recursive')),
        io_time_recursive: parseBlkio(await blk('blkio.time_recursive')),
        sectors_recursive: parseBlkio(await blk('blkio.sectors_recursive')),
      },
    };
  }

  hierarchies(): { name: string; source: string }[] {
    const mounts = new Set<string>();
    for (const c of V1_CONTROLLERS) {
      const m = this.mounts.v1.get(c);
      if (m) mounts.add(m);
    }
    return [...mounts].map((m) => ({ name: basename(m), source: join(m, this.path) }));
  }

  async pids(): Promise<number[]> {
    // Any hierarchy holds every process; prefer pids, which every container joins.
    const c = ['pids', 'freezer', 'memory', 'cpu'].find((x) => this.mounts.v1.has(x))!;
    return parsePids(await readFile(this.file(c, 'cgroup.procs'), 'utf8'));
  }

  async oomKilled(): Promise<boolean> {
    const text = await readOptional(this.file('memory', 'memory.oom_control'));
    return (parseKeyValues(text ?? '').oom_kill ?? 0) > 0;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.dirs().map((d) => removeGroupDir(d)));
  }
}
