import type { Store } from '../../engine/store.js';
import type { FetchedManifest } from './types.js';

/**
 * Pulled manifests by digest (the `manifests` table of migration 1), byte for byte,
 * so a later pull by digest and a push can find them without asking the registry.
 */
export function saveManifest(store: Store, m: FetchedManifest): void {
  store.prepare('INSERT INTO manifests (digest, media_type, content) VALUES (?, ?, ?) ON CONFLICT(digest) DO NOTHING')
    .run(m.digest, m.mediaType, m.bytes);
}

export function loadManifest(store: Store, digest: string): { mediaType: string; bytes: Buffer } | undefined {
  const row = store.prepare('SELECT media_type, content FROM manifests WHERE digest = ?').get(digest) as { media_type: string; content: Buffer } | undefined;
  return row && { mediaType: row.media_type, bytes: row.content };
}
