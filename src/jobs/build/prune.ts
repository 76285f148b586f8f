import { InvalidParameter } from '../../engine/errors.js';
import { checkFilterKeys, type Filters } from '../../server/query.js';
import { goParseDuration } from '../../engine/go-duration.js';
import type { Handler } from '../context.js';

/** The BuildKit cache fields dockerd 20.10 filters a prune on, and its age filters. */
const KEYS = ['id', 'parent', 'type', 'description', 'inuse', 'shared', 'private', 'until', 'unused-for'];

/**
 * `POST /build/prune` (`docker builder prune`): dockerd's prune empties BuildKit's
 * cache, which the legacy builder never fills: its cache is intermediate images,
 * which `image prune` and `rmi` handle. So, like dockerd without BuildKit builds,
 * nothing is deleted; the filters are still checked as dockerd checks them, so a
 * mistyped one is an error rather than a silent "0B".
 */
export const buildPrune: Handler<'build_prune'> = async (job) => {
  checkPruneFilters(job.args.filters);
  return { CachesDeleted: null, SpaceReclaimed: 0 };
};

function checkPruneFilters(filters: Filters): void {
  const fail = (why: string): never => { throw new InvalidParameter(`failed to prune build cache: ${why}`); };
  try {
    checkFilterKeys(filters, KEYS);
  } catch (err) {
    fail((err as Error).message);
  }
  if (filters.until?.length && filters['unused-for']?.length) fail('conflicting filters: "until" and "unused-for"');
  for (const key of ['until', 'unused-for']) {
    const values = filters[key];
    if (!values?.length) continue;
    if (values.length > 1) fail('filters expect only one value');
    try {
      goParseDuration(values[0]!);
    } catch (err) {
      fail(`"${key}" filter expects a duration (e.g., '24h'): ${(err as Error).message}`);
    }
  }
}
