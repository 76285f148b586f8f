import type { Readable } from 'node:stream';
import type { ApplyOptions } from '../types.js';
import { applyTar, assembleTar, packDir } from './archive.js';

/**
 * The layer-tar side of the union drivers (overlay, aufs), where each layer keeps its
 * own files in one "diff" directory and only the whiteout representation differs:
 * unpack into it, replay the exact tar from it, or pack it back into a layer tar.
 */
export class DiffDir {
  /** `dirOf(id)`: the layer's diff directory; throws NotFound for an unknown layer. */
  constructor(
    private readonly whiteouts: 'overlay' | 'aufs',
    private readonly dirOf: (id: string) => string,
  ) {}

  async apply(id: string, tar: Readable, opts: ApplyOptions): Promise<number> {
    return applyTar(this.dirOf(id), tar, { whiteouts: this.whiteouts, allowDevices: opts.allowDevices ?? true, ...(opts.split ? { split: opts.split } : {}) });
  }

  assemble(id: string, split: Readable): Readable {
    return assembleTar(this.dirOf(id), split);
  }

  async pack(id: string): Promise<Readable> {
    return packDir(this.dirOf(id), { whiteouts: this.whiteouts });
  }
}
