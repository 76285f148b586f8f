import type { Handler } from '../context.js';

/**
 * `POST /build/prune` (`docker builder prune`): dockerd's prune empties BuildKit's
 * cache, which the legacy builder never fills: its cache is intermediate images,
 * which `image prune` and `rmi` handle. So, like dockerd without BuildKit builds,
 * nothing is deleted.
 */
export const buildPrune: Handler<'build_prune'> = async () => ({ CachesDeleted: null, SpaceReclaimed: 0 });
