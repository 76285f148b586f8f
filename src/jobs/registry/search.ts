import { search } from '../../graph/registry/search.js';
import { matchSearch, parseSearchFilters } from '../../graph/registry/search-filters.js';
import type { Handler } from '../context.js';
import { registrySettings, tokenCache } from './service.js';

/** `docker search`: filters are checked before the registry is asked, then applied to its answer. */
export const imageSearch: Handler<'image_search'> = async (job, ctx) => {
  const { term, limit, filters, auth } = job.args;
  const f = parseSearchFilters(filters);
  const results = await search({ term, limit, creds: auth, settings: registrySettings(ctx), tokens: tokenCache(ctx), signal: job.signal });
  return results.filter((r) => matchSearch(f, r));
};
