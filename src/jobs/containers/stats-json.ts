/**
 * The Engine API v1.41 `StatsJSON` (`GET /containers/{id}/stats`) built from the
 * cgroup's figures, key for key as dockerd 20.10 encodes it: Go's `omitempty` fields
 * left out when zero, memory.stat reduced to the keys dockerd copies, and the zero
 * value (only name and id set) for a container that does not run.
 */
import type { CgroupStats } from '../../libcontainer/cgroups/types.js';
import { ZERO_TIME } from './state.js';
import { summedNetworkStats, type NetworkStats } from './stats-networks.js';

/** `cpu_stats` / `precpu_stats`. */
export interface ApiCpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[]; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

/** One reading of a running container, taken at `read` (RFC 3339 with nanoseconds). */
export interface StatsSample {
  read: string;
  stats: CgroupStats;
  /** The endpoint interfaces' counters; absent in host and none modes. */
  networks?: Record<string, NetworkStats>;
}

/** What the previous reading leaves for the next one: dockerd's precpu_stats and preread. */
export interface PreviousSample {
  read: string;
  cpu: ApiCpuStats;
}

export const ZERO_CPU: ApiCpuStats = {
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
};

export const NO_PREVIOUS: PreviousSample = { read: ZERO_TIME, cpu: ZERO_CPU };

/** memory.stat keys dockerd copies on cgroup v1 (containerd's v1 metrics), plus their total_ forms. */
const V1_MEMORY_KEYS = [
  'cache', 'rss', 'rss_huge', 'mapped_file', 'dirty', 'writeback', 'pgpgin', 'pgpgout', 'pgfault', 'pgmajfault',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable',
];
const V1_KEYS = new Set([
  ...V1_MEMORY_KEYS, ...V1_MEMORY_KEYS.map((k) => `total_${k}`), 'hierarchical_memory_limit', 'hierarchical_memsw_limit',
]);
/** The same on cgroup v2 (containerd's v2 metrics). */
const V2_KEYS = new Set([
  'anon', 'file', 'kernel_stack', 'slab', 'sock', 'shmem', 'file_mapped', 'file_dirty', 'file_writeback', 'anon_thp',
  'inactive_anon', 'active_anon', 'inactive_file', 'active_file', 'unevictable', 'slab_reclaimable', 'slab_unreclaimable',
  'pgfault', 'pgmajfault', 'workingset_refault', 'workingset_activate', 'workingset_nodereclaim', 'pgrefill', 'pgscan',
  'pgsteal', 'pgactivate', 'pgdeactivate', 'pglazyfree', 'pglazyfreed', 'thp_fault_alloc', 'thp_collapse_alloc',
]);

const int = (n: number | undefined): number => Math.round(n ?? 0);

export function cpuJson(s: CgroupStats['cpu_stats']): ApiCpuStats {
  const u = s.cpu_usage;
  // Key order is Go's field order; system and online CPUs are omitempty.
  return {
    cpu_usage: {
      total_usage: int(u.total_usage),
      ...(u.percpu_usage?.length ? { percpu_usage: u.percpu_usage.map(int) } : {}),
      usage_in_kernelmode: int(u.usage_in_kernelmode),
      usage_in_usermode: int(u.usage_in_usermode),
    },
    ...(s.system_cpu_usage ? { system_cpu_usage: int(s.system_cpu_usage) } : {}),
    ...(s.online_cpus ? { online_cpus: s.online_cpus } : {}),
    throttling_data: {
      periods: int(s.throttling_data.periods),
      throttled_periods: int(s.throttling_data.throttled_periods),
      throttled_time: int(s.throttling_data.throttled_time),
    },
  };
}

/** memory.stat as dockerd's map: its keys only (v1 or v2 by what the kernel shows), sorted as Go sorts map keys. */
function memoryStats(raw: Record<string, number>): Record<string, number> {
  const keys = 'hierarchical_memory_limit' in raw || 'total_rss' in raw ? V1_KEYS : V2_KEYS;
  const out: Record<string, number> = {};
  for (const k of Object.keys(raw).filter((x) => keys.has(x)).sort()) out[k] = raw[k]!;
  return out;
}

function memoryJson(m: CgroupStats['memory_stats']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (m.usage) out['usage'] = m.usage;
  if (m.max_usage) out['max_usage'] = m.max_usage;
  const stats = memoryStats(m.stats);
  if (Object.keys(stats).length) out['stats'] = stats;
  if (m.failcnt) out['failcnt'] = m.failcnt;
  if (m.limit) out['limit'] = m.limit;
  return out;
}

const BLKIO_KEYS = [
  'io_service_bytes_recursive', 'io_serviced_recursive', 'io_queue_recursive', 'io_service_time_recursive',
  'io_wait_time_recursive', 'io_merged_recursive', 'io_time_recursive', 'sectors_recursive',
] as const;

/**
 * One StatsJSON object. `sample` null is a container that does not run (or stopped
 * between two readings): dockerd then sends the zero value with only name and id,
 * still carrying the previous reading as precpu.
 */
export function statsJson(c: { Name: string; Id: string }, sample: StatsSample | null, prev: PreviousSample): Record<string, unknown> {
  const s = sample?.stats;
  const blkio: Record<string, unknown> = {};
  for (const k of BLKIO_KEYS) blkio[k] = s ? s.blkio_stats[k] : null;
  return {
    read: sample?.read ?? ZERO_TIME,
    preread: prev.read,
    pids_stats: s ? {
      ...(s.pids_stats.current ? { current: s.pids_stats.current } : {}),
      ...(s.pids_stats.limit ? { limit: s.pids_stats.limit } : {}),
    } : {},
    blkio_stats: blkio,
    num_procs: 0,
    storage_stats: {},
    cpu_stats: s ? cpuJson(s.cpu_stats) : ZERO_CPU,
    precpu_stats: prev.cpu,
    memory_stats: s ? memoryJson(s.memory_stats) : {},
    name: c.Name,
    id: c.Id,
    ...(sample?.networks ? { networks: sample.networks } : {}),
  };
}

/**
 * The object as API versions before 1.21 have it: no name and id, and one `network`,
 * the sum of the interfaces' counters.
 */
export function legacyStatsJson(json: Record<string, unknown>): Record<string, unknown> {
  const { name: _name, id: _id, networks, ...rest } = json;
  return { ...rest, network: summedNetworkStats(networks as Record<string, NetworkStats> | undefined) };
}

/** What this object leaves as the next one's precpu_stats and preread. */
export function previousOf(json: Record<string, unknown>): PreviousSample {
  return { read: json['read'] as string, cpu: json['cpu_stats'] as ApiCpuStats };
}

const originNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Now as Go's RFC3339Nano: nanoseconds, trailing zeros of the fraction dropped. */
export function nowRfc3339Nano(): string {
  const ns = originNs + process.hrtime.bigint();
  const secs = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}
