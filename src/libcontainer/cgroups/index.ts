/** Picks the cgroup driver for this host: v2 on a unified host, v1 otherwise. */
import { cgroupMounts, versionOf } from './detect.js';
import type { CgroupManager, CgroupVersion, ManagerOptions } from './types.js';
import { CgroupV1 } from './v1.js';
import { CgroupV2 } from './v2.js';

export { cgroupVersion, cgroupMounts } from './detect.js';
export type { CgroupManager, CgroupStats, CgroupVersion, ManagerOptions } from './types.js';
export type { Resources } from './resources.js';
export { CgroupV1 } from './v1.js';
export { CgroupV2 } from './v2.js';
export { validateResources, hostLimits, type HostLimits } from './validate.js';

/** The manager of one container's group, for the host's cgroup version (or `version`). */
export async function openCgroup(opts: ManagerOptions, version?: CgroupVersion): Promise<CgroupManager> {
  const m = await cgroupMounts();
  const v = version ?? versionOf(m);
  return v === '2' ? CgroupV2.open(opts, m.unified) : CgroupV1.open(opts, m);
}
