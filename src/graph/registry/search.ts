import { InvalidParameter, kindOf } from '../../engine/errors.js';
import { DEFAULT_DOMAIN } from '../reference.js';
import { credentials, type TokenCache } from './auth.js';
import { RegistryClient } from './client.js';
import { endpointsFor } from './endpoint.js';
import { readBody, send, TransportError } from './http.js';
import { searchCatalog } from './search-catalog.js';
import { searchResult, type SearchResult } from './search-result.js';
import type { AuthConfig, RegistrySettings } from './types.js';

export interface SearchOptions {
  term: string;
  limit: number;
  creds: AuthConfig;
  settings: RegistrySettings;
  tokens: TokenCache;
  signal?: AbortSignal;
}

/** Docker Hub's search lives on its index, not on the registry's host. */
const HUB_INDEX = 'https://index.docker.io';

/**
 * The registry a search term names and the term proper, as dockerd's
 * splitReposSearchTerm: `127.0.0.1:5000/bus` → [`127.0.0.1:5000`, `bus`]; a first
 * component without `.` or `:` (and not `localhost`) is Docker Hub's.
 */
export function splitSearchTerm(term: string): [string, string] {
  const slash = term.indexOf('/');
  const first = slash < 0 ? '' : term.slice(0, slash);
  if (slash < 0 || (!first.includes('.') && !first.includes(':') && first !== 'localhost')) return [DEFAULT_DOMAIN, term];
  return [first === 'index.docker.io' ? DEFAULT_DOMAIN : first, term.slice(slash + 1)];
}

/**
 * `docker search`: the v1 search API (`/v1/search?q=&n=`) where the registry has
 * it, as dockerd; where it has none (distribution answers 404), the catalog
 * filtered by the term (./search-catalog.ts), which dockerd does not do.
 */
export async function search(opts: SearchOptions): Promise<SearchResult[]> {
  if (opts.term.includes('://')) throw new InvalidParameter('Invalid repository name (ex: "registry.domain.tld/myrepos")');
  const [index, remote] = splitSearchTerm(opts.term);
  if (index.startsWith('-') || index.endsWith('-')) throw new InvalidParameter(`invalid index name (${index}). Cannot begin or end with a hyphen`);
  if (opts.limit < 1 || opts.limit > 100) throw new InvalidParameter(`Limit ${opts.limit} is outside the range of [1, 100]`);
  const official = index === DEFAULT_DOMAIN;
  const term = official && remote.startsWith('library/') ? remote.slice('library/'.length) : remote;
  try {
    const v1 = await searchV1(index, term, opts);
    if (v1) return v1;
    const client = await RegistryClient.connect(index, { settings: opts.settings, creds: opts.creds, tokens: opts.tokens, forPull: false, signal: opts.signal });
    return await searchCatalog(client, index, term, opts.limit);
  } catch (err) {
    // A 401 makes the CLI prompt for credentials on its stdin; dockerd answers a
    // registry's refusal as a plain error, and so do we.
    if (kindOf(err) === 'unauthorized') throw new Error((err as Error).message);
    throw err;
  }
}

/** The v1 answer, or null when the registry has no v1 search (then the catalog is used). */
async function searchV1(index: string, term: string, opts: SearchOptions): Promise<SearchResult[] | null> {
  const hub = index === DEFAULT_DOMAIN;
  const endpoints = await endpointsFor(index, opts.settings, false);
  const { username, password } = credentials(opts.creds);
  const headers: Record<string, string> = { 'x-docker-token': 'true' };
  if (username || password) headers['authorization'] = `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`;
  let lastErr: unknown;
  for (const ep of endpoints) {
    const base = hub ? HUB_INDEX : ep.base;
    const url = `${base}/v1/search?q=${encodeURIComponent(term)}&n=${opts.limit}`;
    let res;
    try {
      res = await send({ method: 'GET', url, headers, tls: ep.tls, signal: opts.signal, timeoutMs: 15_000 });
    } catch (err) {
      if (!(err instanceof TransportError)) throw err;
      lastErr = err;
      continue;
    }
    if (res.statusCode !== 200) {
      res.resume();
      if (hub) throw new Error(`Unexpected status code ${res.statusCode}`);
      return null;
    }
    let parsed: { results?: unknown };
    try {
      parsed = JSON.parse((await readBody(res, 16 << 20, 'search results')).toString('utf8')) as { results?: unknown };
    } catch (err) {
      throw new Error(`error decoding registry search results: ${(err as Error).message}`);
    }
    // Something that answers 200 without search results (a web page) is not a v1 index.
    if (!parsed || !Array.isArray(parsed.results)) {
      if (hub) throw new Error('error decoding registry search results');
      return null;
    }
    return parsed.results.filter((r) => r && typeof r === 'object').slice(0, opts.limit).map((r) => searchResult(r as Record<string, unknown>));
  }
  throw lastErr;
}
