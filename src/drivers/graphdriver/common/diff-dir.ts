import type { Readable } from 'node:stream';
import type { ApplyOptions } from '../types.js';
import { applyTar, assembleTar, packDir } from './archive.js';

/**
 * The layer-tar side of the union drivers (overlay, aufs), where each layer keeps its
 * own files in one "diff" directory and only the whiteout representation differs:
 * unpack into it, replay the exact tar from it, or pack it back into a layer tar.
 */
export class DiffDir {
  constructor(private readonly whiteouts: 'overlay' | 'aufs') {}

  apply(dir: string, tar: Readable, opts: ApplyOptions): Promise<number> {
    return applyTar(dir, tar, { whiteouts: this.whiteouts, allowDevices: opts.allowDevices ?? true, ...(opts.split ? { split: opts.split } : {}) });
  }

  assemble(dir: string, split: Readable): Readable {
    return assembleTar(dir, split);
  }

  pack(dir: string): Readable {
    return packDir(dir, { whiteouts: this.whiteouts });
  }
}
