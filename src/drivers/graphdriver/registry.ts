import type { Logger } from '../../engine/log.js';
import type { GraphDriver } from './types.js';

/** Pick the graphdriver: the named one, else the first that works of overlay, aufs, vfs. (Being written.) */
export async function selectDriver(_dataRoot: string, _name: string | null, _opts: string[], _log: Logger): Promise<GraphDriver> {
  throw new Error('graphdrivers are being written');
}
