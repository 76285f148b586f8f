import { InvalidParameter } from '../../engine/errors.js';
import { hostLimits, validateResources } from '../../libcontainer/cgroups/index.js';
import { resourcesOf } from './resources.js';
import { MIN_KERNEL_MEMORY } from './update.js';
import { checkExtraHosts } from './validate-extra-hosts.js';
import type { HostConfig } from './types.js';

const POLICIES = ['no', 'always', 'unless-stopped', 'on-failure'];

/** The restart policy as dockerd 20.10 checks it at create. */
function checkRestartPolicy(h: HostConfig): void {
  const p = h.RestartPolicy ?? { Name: '', MaximumRetryCount: 0 };
  // An API client that sends no policy leaves "", which dockerd takes as "no" and keeps.
  if (p.Name === '') return;
  if (!POLICIES.includes(p.Name)) throw new InvalidParameter(`invalid restart policy '${p.Name}'`);
  if (p.MaximumRetryCount < 0) throw new InvalidParameter('maximum retry count cannot be negative');
  if (p.MaximumRetryCount > 0 && p.Name !== 'on-failure') {
    throw new InvalidParameter(`maximum retry count cannot be used with restart policy '${p.Name}'`);
  }
  if (h.AutoRemove && p.Name !== 'no') throw new InvalidParameter("can't create 'AutoRemove' container with restart policy");
}

/**
 * The HostConfig checks dockerd makes before a container exists: resource values
 * (memory minimum, CPU range, cpuset on this host...) and the restart policy. Bad
 * values are 400s at create, not surprises at start.
 */
export async function validateHostConfig(h: HostConfig): Promise<void> {
  checkExtraHosts(h.ExtraHosts);
  checkRestartPolicy(h);
  validateResources(resourcesOf(h), await hostLimits());
  checkPlatformSettings(h);
}

const IPC_MODES = ['', 'host', 'private', 'shareable', 'none'];

/** What dockerd's verifyPlatformContainerSettings checks after the resources, in its order and words. */
function checkPlatformSettings(h: HostConfig): void {
  // Still set only where the kernel takes it (create-warnings dropped it otherwise).
  const kmem = h['KernelMemory'];
  if (typeof kmem === 'number' && kmem > 0 && kmem < MIN_KERNEL_MEMORY) throw new InvalidParameter('Minimum kernel memory limit allowed is 6MB');
  const shm = h['ShmSize'];
  if (typeof shm === 'number' && shm < 0) throw new InvalidParameter('SHM size can not be less than 0');
  const oom = h['OomScoreAdj'];
  if (typeof oom === 'number' && (oom < -1000 || oom > 1000)) {
    throw new InvalidParameter(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  }
  const ipc = h['IpcMode'];
  // `container:` with no name passes here, as in dockerd; the start finds no container.
  if (typeof ipc === 'string' && !IPC_MODES.includes(ipc) && !ipc.startsWith('container:')) {
    throw new InvalidParameter(`Invalid IPC mode: ${ipc}`);
  }
}
