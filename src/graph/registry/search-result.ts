/** One search hit as dockerd answers it (registry.SearchResult, in its field order). */
export interface SearchResult {
  star_count: number;
  is_official: boolean;
  name: string;
  is_trusted: boolean;
  is_automated: boolean;
  description: string;
}

/** A hit from whatever a registry sent: missing or mistyped fields take their zero value. */
export function searchResult(r: Record<string, unknown>): SearchResult {
  return {
    star_count: typeof r['star_count'] === 'number' ? r['star_count'] : 0,
    is_official: r['is_official'] === true,
    name: typeof r['name'] === 'string' ? r['name'] : '',
    is_trusted: r['is_trusted'] === true,
    is_automated: r['is_automated'] === true,
    description: typeof r['description'] === 'string' ? r['description'] : '',
  };
}
