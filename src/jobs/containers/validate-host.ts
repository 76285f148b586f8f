import { InvalidParameter } from '../../engine/errors.js';
import { hostLimits, validateResources } from '../../libcontainer/cgroups/index.js';
import { resourcesOf } from './resources.js';
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
  checkRestartPolicy(h);
  validateResources(resourcesOf(h), await hostLimits());
}
