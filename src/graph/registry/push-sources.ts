import type { Store } from '../../engine/store.js';
import { MediaType, type Descriptor } from './types.js';

/**
 * Where a layer's compressed blob is known to be (the `layer_blobs` table, migration
 * 5; dockerd keeps the same as its "v2 metadata"): one row per (diffID, registry,
 * repository, blob digest), written when a pull fetched the blob from there or a
 * push put or mounted it there. A push uses them to skip blobs the target already
 * has, to mount from a sibling repository instead of uploading, and it finds the
 * digest of its own earlier compression of the layer again.
 */
export interface BlobSource {
  diffId: string;
  digest: string;
  registry: string;
  repository: string;
  size: number;
}

interface Row {
  diff_id: string;
  digest: string;
  registry: string;
  repository: string;
  size: number;
}

/** Only gzip layers are reusable as a push's layers (the manifest says gzip). */
const GZIP_LAYERS: readonly string[] = [MediaType.dockerLayer, MediaType.ociLayerGzip];

export class BlobSources {
  constructor(private readonly store: Store) {}

  /** Every known place of a layer's blob, most recently seen first. */
  of(diffId: string): BlobSource[] {
    const rows = this.store.prepare('SELECT diff_id, digest, registry, repository, size FROM layer_blobs WHERE diff_id = ? ORDER BY seen_at DESC')
      .all(diffId) as Row[];
    return rows.map((r) => ({ diffId: r.diff_id, digest: r.digest, registry: r.registry, repository: r.repository, size: r.size }));
  }

  add(s: BlobSource): void {
    this.store.prepare(`INSERT INTO layer_blobs (diff_id, digest, registry, repository, size, seen_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(diff_id, registry, repository, digest) DO UPDATE SET size = excluded.size, seen_at = excluded.seen_at`)
      .run(s.diffId, s.digest, s.registry, s.repository, s.size, Date.now());
  }

  /** The registry said the blob is not (or no longer) there. */
  remove(s: Pick<BlobSource, 'diffId' | 'digest' | 'registry' | 'repository'>): void {
    this.store.prepare('DELETE FROM layer_blobs WHERE diff_id = ? AND registry = ? AND repository = ? AND digest = ?')
      .run(s.diffId, s.registry, s.repository, s.digest);
  }

  /** After a pull: each gzip layer of the manifest is in `repository` of `registry`. */
  addPulled(registry: string, repository: string, layers: readonly Descriptor[], diffIds: readonly string[]): void {
    this.store.tx(() => {
      layers.forEach((l, i) => {
        if (GZIP_LAYERS.includes(l.mediaType) && diffIds[i]) this.add({ diffId: diffIds[i]!, digest: l.digest, registry, repository, size: l.size });
      });
    });
  }
}
