import type { ContainerHandle } from '../../drivers/execdriver/types.js';
import { Conflict, InvalidParameter, System, isErrno } from '../../engine/errors.js';
import { CgroupError } from '../../libcontainer/cgroups/fs.js';
import type { Resources } from '../../libcontainer/cgroups/resources.js';
import { hostLimits, validateResources } from '../../libcontainer/cgroups/validate.js';
import type { Handler } from '../context.js';
import { discardBlkioWeight } from './blkio-support.js';
import { containersOf, publish } from './common.js';
import { resourcesOf } from './resources.js';
import { runtimeOf } from './runtime.js';
import type { UpdateBody } from './runtime-types.js';
import type { ContainerRecord, HostConfig } from './types.js';

/** dockerd 20.10's floor for a kernel memory limit: 6 MiB (its message says so). */
export const MIN_KERNEL_MEMORY = 6 * 1024 * 1024;

/**
 * `POST /containers/{id}/update`, as dockerd 20.10's ContainerUpdate: the request is
 * validated as `docker run`'s limits are (400), merged into the record's HostConfig
 * with dockerd's conflict rules (409), persisted, and written to the running
 * container's cgroups; a kernel refusal there (a memory limit under the current
 * usage) puts the record back and answers 500.
 */
export const containerUpdate: Handler<'container_update'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const rt = runtimeOf(ctx);
  const id = store.get(job.args.name).Id;
  const u: UpdateBody = { ...job.args.body };
  const warnings = await checkUpdate(u);
  return rt.locked(id, async () => {
    const c = store.get(id);
    if (c.State.Status === 'removing' || c.State.Dead) {
      throw new System(`Cannot update container ${id}: container is marked for removal and cannot be "update"`);
    }
    const backup = structuredClone(c.HostConfig);
    mergeUpdate(c, u);
    store.save(c);
    const h = rt.handle(id);
    // A container that does not run gets its new limits at its next start.
    if (h && c.State.Running && !c.State.Restarting) {
      try {
        await h.update(liveResources(c.HostConfig, u));
      } catch (err) {
        c.HostConfig = backup;
        store.save(c);
        throw new System(`Cannot update container ${id}: ${await kernelRefusal(err, h, u)}`, { cause: err });
      }
    }
    publish(ctx, c, 'update');
    return { Warnings: warnings.length ? warnings : null };
  });
};

/** The request's own checks (dockerd's verifyContainerSettings for an update); returns the warnings. */
async function checkUpdate(u: UpdateBody): Promise<string[]> {
  const warnings: string[] = [];
  // A weight the host cannot apply is dropped before the values are checked, as
  // dockerd's verifyPlatformContainerResources: an out-of-range one is then no error.
  const blkio = await discardBlkioWeight(u);
  validateResources(resourcesOf(u as HostConfig), await hostLimits(), true);
  if ((u.KernelMemory ?? 0) > 0) {
    warnings.push('Specifying a kernel memory limit is deprecated and will be removed in a future release.');
    if (u.KernelMemory! < MIN_KERNEL_MEMORY) throw new InvalidParameter('Minimum kernel memory limit allowed is 6MB');
  }
  warnings.push(...blkio);
  const p = u.RestartPolicy;
  if (p && p.Name) {
    const retries = p.MaximumRetryCount ?? 0;
    switch (p.Name) {
      case 'always': case 'unless-stopped': case 'no':
        if (retries !== 0) throw new InvalidParameter(`maximum retry count cannot be used with restart policy '${p.Name}'`);
        break;
      case 'on-failure':
        if (retries < 0) throw new InvalidParameter('maximum retry count cannot be negative');
        break;
      default:
        throw new InvalidParameter(`invalid restart policy '${p.Name}'`);
    }
  }
  return warnings;
}

const n = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * dockerd's Container.UpdateContainer: non-zero fields replace the record's; CPU
 * quota given as --cpus cannot be mixed with period/quota already set (and the
 * reverse); a memory limit above the swap limit already set needs a new swap limit.
 */
function mergeUpdate(c: ContainerRecord, u: UpdateBody): void {
  const h = c.HostConfig;
  const refuse = (msg: string): never => { throw new Conflict(`Cannot update container ${c.Id}: ${msg}`); };
  if (n(u.NanoCpus) > 0 && n(h['CpuPeriod']) > 0) refuse('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  if (n(u.NanoCpus) > 0 && n(h['CpuQuota']) > 0) refuse('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  if (n(u.CpuPeriod) > 0 && n(h['NanoCpus']) > 0) refuse('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if (n(u.CpuQuota) > 0 && n(h['NanoCpus']) > 0) refuse('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  const next: HostConfig = { ...h };
  for (const k of ['BlkioWeight', 'CpuShares', 'NanoCpus', 'CpuPeriod', 'CpuQuota', 'CpuRealtimePeriod', 'CpuRealtimeRuntime',
    'MemorySwap', 'MemoryReservation', 'KernelMemory'] as const) {
    if (n(u[k]) !== 0) next[k] = u[k];
  }
  for (const k of ['CpusetCpus', 'CpusetMems'] as const) if (u[k]) next[k] = u[k];
  if (n(u.Memory) !== 0) {
    // dockerd stores twice the memory as the swap limit when run with -m alone.
    const swap = n(h['MemorySwap']) || (n(h['Memory']) > 0 ? 2 * n(h['Memory']) : 0);
    if (n(u.Memory) > swap && n(u.MemorySwap) === 0) {
      refuse('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    next['Memory'] = u.Memory;
    if (n(u.MemorySwap) === 0) next['MemorySwap'] = swap;
  }
  if (u.PidsLimit !== undefined && u.PidsLimit !== null) next['PidsLimit'] = u.PidsLimit;
  if (u.RestartPolicy?.Name) {
    const none = u.RestartPolicy.Name === 'no';
    if (h.AutoRemove && !none) refuse('Restart policy cannot be updated because AutoRemove is enabled for the container');
    next.RestartPolicy = { Name: u.RestartPolicy.Name, MaximumRetryCount: u.RestartPolicy.MaximumRetryCount ?? 0 };
  }
  c.HostConfig = next;
}

/**
 * The limits to write now: the merged values of the groups the request touched, as
 * runc's update changes only what it is given (CPU quota and period go together,
 * memory and swap go together).
 */
function liveResources(h: HostConfig, u: UpdateBody): Resources {
  const all = resourcesOf(h);
  const r: Resources = {};
  if (n(u.Memory) || n(u.MemorySwap)) {
    r.memory = all.memory;
    r.memorySwap = all.memorySwap;
  }
  if (n(u.MemoryReservation)) r.memoryReservation = all.memoryReservation;
  if (n(u.CpuShares)) r.cpuShares = all.cpuShares;
  if (n(u.NanoCpus) || n(u.CpuPeriod) || n(u.CpuQuota)) {
    r.nanoCpus = all.nanoCpus;
    r.cpuPeriod = all.cpuPeriod;
    r.cpuQuota = all.cpuQuota;
  }
  if (u.CpusetCpus) r.cpusetCpus = u.CpusetCpus;
  if (u.CpusetMems) r.cpusetMems = u.CpusetMems;
  // The route turned "unlimited" (0 or negative) into 0: written as no limit.
  if (u.PidsLimit !== undefined && u.PidsLimit !== null) r.pidsLimit = u.PidsLimit > 0 ? u.PidsLimit : -1;
  if (n(u.BlkioWeight)) r.blkioWeight = u.BlkioWeight;
  return r;
}

/**
 * The kernel refuses a memory limit under what the group uses and cannot reclaim
 * (EBUSY): worded as dockerd relays runc's message, with the usage figures.
 */
async function kernelRefusal(err: unknown, h: ContainerHandle, u: UpdateBody): Promise<string> {
  const message = (err as Error).message;
  const cause = (err as { cause?: unknown }).cause;
  if (!isErrno(cause, 'EBUSY') || !/memory\.(limit_in_bytes|max)/.test(message)) return runcWords(err) ?? message;
  const m = await h.stats().then((s) => s.memory_stats, () => ({ usage: 0, max_usage: 0 }));
  return `runc did not terminate successfully: exit status 1: unable to set memory limit to ${n(u.Memory)} (current usage: ${m.usage}, peak usage: ${m.max_usage ?? 0})\n: unknown`;
}

/**
 * Any other file the kernel refused, as runc's update reports it through dockerd 20.10
 * (`failed to write "V": write PATH: invalid argument`, Go's words for the errno).
 */
function runcWords(err: unknown): string | null {
  const words = err instanceof CgroupError ? err.runcWords() : null;
  return words ? `runc did not terminate successfully: exit status 1: ${words}\n: unknown` : null;
}
