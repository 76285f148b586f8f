import { InvalidParameter } from '../../engine/errors.js';
import { checkFilters } from '../filters.js';
import type { SearchResult } from './search-result.js';

/** The search filters, checked as dockerd's SearchRegistryForImages before any request. */
export interface SearchFilter {
  isOfficial?: boolean;
  isAutomated?: boolean;
  /** The highest `stars` value given. */
  stars?: number;
}

/** dockerd's invalidFilter text: the values of a list filter print as Go prints a slice. */
const invalid = (name: string, value: string): InvalidParameter => new InvalidParameter(`Invalid filter '${name}=${value}'`);

function boolOf(name: string, values: string[] | undefined): boolean | undefined {
  if (values === undefined) return undefined;
  // UniqueExactMatch: exactly one value, and it is "true" or "false".
  if (values.length === 1 && values[0] === 'true') return true;
  if (values.length === 1 && values[0] === 'false') return false;
  throw invalid(name, `[${values.join(' ')}]`);
}

export function parseSearchFilters(filters: Record<string, string[]>): SearchFilter {
  checkFilters(filters, ['is-automated', 'is-official', 'stars']);
  const out: SearchFilter = {};
  const automated = boolOf('is-automated', filters['is-automated']);
  if (automated !== undefined) out.isAutomated = automated;
  const official = boolOf('is-official', filters['is-official']);
  if (official !== undefined) out.isOfficial = official;
  if (filters['stars'] !== undefined) {
    let stars = 0;
    for (const v of filters['stars']) {
      if (!/^[+-]?\d+$/.test(v)) throw invalid('stars', v);
      stars = Math.max(stars, Number(v));
    }
    out.stars = stars;
  }
  return out;
}

export function matchSearch(f: SearchFilter, r: SearchResult): boolean {
  if (f.isAutomated !== undefined && r.is_automated !== f.isAutomated) return false;
  if (f.isOfficial !== undefined && r.is_official !== f.isOfficial) return false;
  if (f.stars !== undefined && r.star_count < f.stars) return false;
  return true;
}
