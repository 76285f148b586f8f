/**
 * Checks `docker run`/`docker update` limits before anything touches the kernel, with
 * dockerd's messages (the CLI prints them as they are). Host facts come in through
 * `HostLimits` so the checks stay pure; `hostLimits()` reads them from this host.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InvalidParameter } from '../../engine/errors.js';
import { cgroupMounts } from './detect.js';
import { readOptional } from './fs.js';
import type { Resources } from './resources.js';

/** dockerd's floor for memory limits and reservations: 6 MiB. */
export const MIN_MEMORY = 6 * 1024 * 1024;

export interface HostLimits {
  /** CPUs the daemon may use (Go's NumCPU: the affinity mask). */
  cpus: number;
  /** The root cpuset's CPU and memory-node lists, like `0-3`. */
  cpusetCpus: string;
  cpusetMems: string;
}

/** A CPU or node list (`0-2,4`) as a set; throws `invalid format: <list>` like dockerd. */
export function parseCpuList(list: string): Set<number> {
  const out = new Set<number>();
  if (list === '') return out;
  const bad = (): Error => new Error(`invalid format: ${list}`);
  for (const part of list.split(',')) {
    const dash = part.indexOf('-');
    const lo = dash < 0 ? part : part.slice(0, dash);
    const hi = dash < 0 ? part : part.slice(dash + 1);
    if (!/^\d+$/.test(lo) || !/^\d+$/.test(hi)) throw bad();
    const [a, b] = [Number(lo), Number(hi)];
    if (b < a) throw bad();
    for (let i = a; i <= b; i++) out.add(i);
  }
  return out;
}

function subsetOf(requested: string, available: string, what: 'cpus' | 'mems'): boolean {
  let want: Set<number>;
  try {
    want = parseCpuList(requested);
  } catch (err) {
    throw new InvalidParameter(`Invalid value ${requested} for cpuset ${what}: ${(err as Error).message}`);
  }
  const have = parseCpuList(available);
  return [...want].every((n) => have.has(n));
}

/** Throws InvalidParameter on the first limit dockerd would refuse. `update` relaxes the swap rule. */
export function validateResources(r: Resources, host: HostLimits, update = false): void {
  const fail = (msg: string): never => {
    throw new InvalidParameter(msg);
  };
  const memory = r.memory ?? 0;
  const swap = r.memorySwap ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) fail('Minimum memory limit allowed is 6MB');
  if (memory > 0 && swap > 0 && swap < memory) fail('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (memory === 0 && swap > 0 && !update) fail('You should always set the Memory limit when using Memoryswap limit, see usage');
  const sw = r.memorySwappiness;
  if (sw !== undefined && sw !== -1 && (sw < 0 || sw > 100)) {
    fail(`Invalid value: ${sw}, valid memory swappiness range is 0-100`);
  }
  const reservation = r.memoryReservation ?? 0;
  if (reservation > 0 && reservation < MIN_MEMORY) fail('Minimum memory reservation allowed is 6MB');
  if (memory > 0 && reservation > 0 && memory < reservation) {
    fail('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  const nano = r.nanoCpus ?? 0;
  if (nano > 0 && (r.cpuPeriod ?? 0) > 0) fail('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (nano > 0 && (r.cpuQuota ?? 0) > 0) fail('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (nano < 0 || nano > host.cpus * 1e9) {
    fail(`Range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`);
  }
  const period = r.cpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    fail('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if ((r.cpuQuota ?? 0) > 0 && r.cpuQuota! < 1000) fail('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (r.cpusetCpus && !subsetOf(r.cpusetCpus, host.cpusetCpus, 'cpus')) {
    fail(`Requested CPUs are not available - requested ${r.cpusetCpus}, available: ${host.cpusetCpus}`);
  }
  if (r.cpusetMems && !subsetOf(r.cpusetMems, host.cpusetMems, 'mems')) {
    fail(`Requested memory nodes are not available - requested ${r.cpusetMems}, available: ${host.cpusetMems}`);
  }
  const w = r.blkioWeight ?? 0;
  if (w > 0 && (w < 10 || w > 1000)) fail('Range of blkio weight is from 10 to 1000');
}

/** This host's limits: CPU count, and the root cpuset's lists (v1 cpuset mount or v2 root). */
export async function hostLimits(): Promise<HostLimits> {
  const cpus = availableParallelism();
  const m = await cgroupMounts();
  const v1 = m.v1.get('cpuset');
  const read = async (v1File: string, v2File: string): Promise<string | undefined> =>
    v1 ? readOptional(join(v1, v1File)) : m.unified ? readOptional(join(m.unified, v2File)) : undefined;
  return {
    cpus,
    cpusetCpus: (await read('cpuset.cpus', 'cpuset.cpus.effective')) || `0-${cpus - 1}`,
    cpusetMems: (await read('cpuset.mems', 'cpuset.mems.effective')) || '0',
  };
}
