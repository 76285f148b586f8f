import type { Store } from '../engine/store.js';
import type { Logger } from '../engine/log.js';
import type { GraphDriver } from '../drivers/graphdriver/types.js';

/**
 * The image graph: images, layers, tags and digests over a graphdriver, with all
 * metadata in the store. (Being filled in by the foundation issue.)
 */
export class Graph {
  constructor(
    readonly store: Store,
    readonly driver: GraphDriver,
    private readonly log: Logger,
  ) {}

  imageCount(): number {
    return (this.store.db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
  }
}
