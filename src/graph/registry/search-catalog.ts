import type { RegistryClient } from './client.js';
import { errorFrom } from './errors.js';
import { readBody } from './http.js';
import { searchResult, type SearchResult } from './search-result.js';

/** Repositories asked for per catalog page (distribution serves up to 1000). */
export const CATALOG_PAGE = 100;
/** A bound on the walk, for a registry whose `Link` never ends. */
const MAX_PAGES = 1000;
const MAX_PAGE_BYTES = 16 << 20;

/**
 * Search a registry without the v1 search API through its catalog: `/v2/_catalog`
 * page by page (`n`, then the `Link: <...?last=...>; rel="next"` the registry
 * gives), keeping the repositories whose name contains `term`, until `limit` are
 * found or the catalog ends. Names are `host/repository`, so the CLI can pull them.
 */
export async function searchCatalog(client: RegistryClient, host: string, term: string, limit: number): Promise<SearchResult[]> {
  const needle = term.toLowerCase();
  const out: SearchResult[] = [];
  let url: string | null = `${client.endpoint.base}/v2/_catalog?n=${CATALOG_PAGE}`;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const res = await client.authorized(['registry:catalog:*'], { method: 'GET', url });
    if (res.statusCode !== 200) throw await errorFrom(res);
    const body = JSON.parse((await readBody(res, MAX_PAGE_BYTES, 'catalog')).toString('utf8')) as { repositories?: unknown };
    const names = Array.isArray(body.repositories) ? body.repositories : [];
    for (const name of names) {
      if (typeof name !== 'string' || !name.toLowerCase().includes(needle)) continue;
      out.push(searchResult({ name: `${host}/${name}` }));
      if (out.length >= limit) return out;
    }
    url = names.length ? nextPage(res.headers.link, url) : null;
  }
  return out;
}

/** The `rel="next"` target of a `Link` header, resolved against the current URL. */
export function nextPage(link: string | string[] | undefined, current: string): string | null {
  for (const part of (Array.isArray(link) ? link.join(',') : link ?? '').split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?next"?/i.test(m[2]!)) return new URL(m[1]!, current).toString();
  }
  return null;
}
