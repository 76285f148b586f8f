import { stat } from 'node:fs/promises';
import { InvalidParameter } from '../../engine/errors.js';
import type { BlkioThrottles, ThrottleDevice } from '../../libcontainer/cgroups/resources.js';
import type { HostConfig } from './types.js';

const THROTTLES = [
  ['BlkioDeviceReadBps', 'readBps'], ['BlkioDeviceWriteBps', 'writeBps'],
  ['BlkioDeviceReadIOps', 'readIops'], ['BlkioDeviceWriteIOps', 'writeIops'],
] as const;

/**
 * The throttled devices by number, as dockerd's createSpec finds them
 * (getBlkioThrottleDevices): each path is stat'ed, so one that is not there fails the
 * start with Go's `stat PATH: ...` (which the CLI turns into exit code 127), and its
 * numbers are Rdev/256 and Rdev%256, dockerd's arithmetic. Whether the kernel takes
 * them (a block device, a rate) is the cgroup write's to say, at start.
 */
export async function throttleDevices(h: HostConfig): Promise<BlkioThrottles> {
  const out: BlkioThrottles = { readBps: [], writeBps: [], readIops: [], writeIops: [] };
  for (const [key, field] of THROTTLES) {
    const list = h[key];
    if (!Array.isArray(list)) continue;
    for (const d of list as { Path?: string; Rate?: number }[]) {
      const path = d?.Path ?? '';
      const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
        // Node's "ENOENT: no such file or directory, stat '/x'" in Go's words.
        const text = /^E[A-Z0-9]+: (.*?), stat/.exec(err.message)?.[1] ?? err.message;
        throw new InvalidParameter(`stat ${path}: ${text}`, { cause: err });
      });
      const device: ThrottleDevice = { major: Math.floor(st.rdev / 256), minor: st.rdev % 256, rate: Number(d?.Rate ?? 0) };
      out[field].push(device);
    }
  }
  return out;
}
