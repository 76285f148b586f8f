import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GraphDriver } from '../types.js';
import { parseOptions } from '../common/options.js';
import { VfsDriver } from './driver.js';

/** Start the vfs driver in `home`; it has no host requirements and takes no options. */
export async function init(home: string, options: string[]): Promise<GraphDriver> {
  parseOptions('vfs', options, []);
  await mkdir(join(home, 'dir'), { recursive: true, mode: 0o700 });
  return new VfsDriver(home);
}
