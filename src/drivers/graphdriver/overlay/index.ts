import { existsSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import type { GraphDriver } from '../types.js';
import { parseOptions } from '../common/options.js';
import { OverlayDriver } from './driver.js';
import { checkSupport } from './support.js';

/**
 * Storage options the overlay driver accepts. dockerd's overlay2 knobs that only
 * matter on kernels older than this project supports are accepted and ignored, so a
 * daemon.json written for dockerd still starts.
 */
const KNOWN = ['override_kernel_check'];

/** Start the overlay driver in `home`, or throw NotSupported when the host cannot run it. */
export async function init(home: string, options: string[]): Promise<GraphDriver> {
  parseOptions('overlay', options, KNOWN, ['overlay', 'overlay2']);
  const existed = existsSync(home);
  try {
    return new OverlayDriver(home, await checkSupport(home));
  } catch (err) {
    // Leave no empty <data-root>/overlay behind for a driver that was skipped.
    if (!existed) await rmdir(home).catch(() => undefined);
    throw err;
  }
}
