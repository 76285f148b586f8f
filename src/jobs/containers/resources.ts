import type { Resources } from '../../libcontainer/cgroups/resources.js';
import type { HostConfig } from './types.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && v !== 0 ? v : undefined);

/** HostConfig's resource fields (as `docker run` and `docker update` send them) in libcontainer's shape. */
export function resourcesOf(h: HostConfig): Resources {
  const r: Resources = {};
  const set = <K extends keyof Resources>(k: K, v: Resources[K] | undefined) => { if (v !== undefined) r[k] = v; };
  set('memory', num(h['Memory']));
  set('memorySwap', num(h['MemorySwap']));
  set('memoryReservation', num(h['MemoryReservation']));
  if (typeof h['MemorySwappiness'] === 'number' && h['MemorySwappiness'] !== -1) r.memorySwappiness = h['MemorySwappiness'];
  if (h['OomKillDisable'] === true) r.oomKillDisable = true;
  set('cpuShares', num(h['CpuShares']));
  set('nanoCpus', num(h['NanoCpus']));
  set('cpuPeriod', num(h['CpuPeriod']));
  set('cpuQuota', num(h['CpuQuota']));
  if (typeof h['CpusetCpus'] === 'string' && h['CpusetCpus']) r.cpusetCpus = h['CpusetCpus'];
  if (typeof h['CpusetMems'] === 'string' && h['CpusetMems']) r.cpusetMems = h['CpusetMems'];
  set('cpuRealtimePeriod', num(h['CpuRealtimePeriod']));
  set('cpuRealtimeRuntime', num(h['CpuRealtimeRuntime']));
  set('pidsLimit', num(h['PidsLimit']));
  set('blkioWeight', num(h['BlkioWeight']));
  return r;
}
