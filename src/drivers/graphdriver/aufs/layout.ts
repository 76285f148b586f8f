/**
 * On-disk layout of the aufs driver, as dockerd's:
 *
 *   <home>/                   <data-root>/aufs
 *     diff/<id>/              the layer's own files; deletions are `.wh.<name>` files and
 *                             opaque dirs hold `.wh..wh..opq`, aufs's native format, which
 *                             is also the layer-tar format
 *     layers/<id>             the ids of the layer's ancestors, nearest first, one a line
 *     mnt/<id>/               mount point of the union while the layer is got
 *
 * Every layer, a base one too, is got by mounting: br:diff/<id>=rw then each
 * ancestor's diff=ro+wh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export class Layout {
  constructor(readonly home: string) {}

  diff(id: string): string { return join(this.home, 'diff', id); }
  layersFile(id: string): string { return join(this.home, 'layers', id); }
  mnt(id: string): string { return join(this.home, 'mnt', id); }

  /** Ancestor ids, nearest first. */
  ancestors(id: string): string[] {
    const f = this.layersFile(id);
    if (!existsSync(f)) return [];
    return readFileSync(f, 'utf8').split('\n').map((s) => s.trim()).filter((s) => s.length > 0);
  }
}
