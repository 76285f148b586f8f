import { stat } from 'node:fs/promises';
import { InvalidParameter } from '../../engine/errors.js';
import type { HostConfig } from './types.js';

const THROTTLES = ['BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps'] as const;

/**
 * dockerd's createSpec stats each throttled device (getBlkioThrottleDevices) to find its
 * numbers, so a path that is not there fails the start with Go's `stat PATH: ...`
 * (which the CLI turns into exit code 127). berth applies no throttle yet, but refuses
 * the same starts.
 */
export async function checkThrottleDevices(h: HostConfig): Promise<void> {
  for (const key of THROTTLES) {
    const list = h[key];
    if (!Array.isArray(list)) continue;
    for (const d of list as { Path?: string }[]) {
      const path = d?.Path ?? '';
      await stat(path).catch((err: NodeJS.ErrnoException) => {
        // Node's "ENOENT: no such file or directory, stat '/x'" in Go's words.
        const text = /^E[A-Z0-9]+: (.*?), stat/.exec(err.message)?.[1] ?? err.message;
        throw new InvalidParameter(`stat ${path}: ${text}`, { cause: err });
      });
    }
  }
}
