import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenCache } from './auth.js';
import { nextPage } from './search-catalog.js';
import { matchSearch, parseSearchFilters } from './search-filters.js';
import { search, splitSearchTerm } from './search.js';

const settings = { insecureRegistries: [], registryMirrors: [], maxDownloadAttempts: 1, certsDir: '/nonexistent' };

/** A plain-HTTP registry on loopback answering with `handler`; every request's path is kept. */
async function fake(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ host: string; seen: string[] }> {
  const seen: string[] = [];
  const srv = createServer((req, res) => { seen.push(req.url ?? ''); handler(req, res); });
  srv.listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  t.after(() => new Promise((r) => srv.close(r)));
  return { host: `127.0.0.1:${(srv.address() as AddressInfo).port}`, seen };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

test('search terms split as dockerd splits them', () => {
  assert.deepEqual(splitSearchTerm('busybox'), ['docker.io', 'busybox']);
  assert.deepEqual(splitSearchTerm('me/app'), ['docker.io', 'me/app']);
  assert.deepEqual(splitSearchTerm('127.0.0.1:5000/bus'), ['127.0.0.1:5000', 'bus']);
  assert.deepEqual(splitSearchTerm('localhost/a/b'), ['localhost', 'a/b']);
  assert.deepEqual(splitSearchTerm('index.docker.io/busybox'), ['docker.io', 'busybox']);
  assert.deepEqual(splitSearchTerm('127.0.0.1:5000'), ['docker.io', '127.0.0.1:5000']);
});

test('a registry with the v1 search API answers the search itself', async (t) => {
  const reg = await fake(t, (req, res) => {
    if (req.url?.startsWith('/v1/search')) {
      json(res, 200, { num_results: 2, query: 'app', results: [
        { name: 'team/app', description: 'the app', star_count: 7, is_official: false, is_automated: true },
        { name: 'other/app', star_count: 1 },
      ] });
    } else json(res, 404, {});
  });
  const out = await search({ term: `${reg.host}/app`, limit: 10, creds: {}, settings, tokens: new TokenCache() });
  assert.deepEqual(out, [
    { star_count: 7, is_official: false, name: 'team/app', is_trusted: false, is_automated: true, description: 'the app' },
    { star_count: 1, is_official: false, name: 'other/app', is_trusted: false, is_automated: false, description: '' },
  ]);
  assert.deepEqual(reg.seen, ['/v1/search?q=app&n=10']);
  const f = parseSearchFilters({ stars: ['3'], 'is-automated': ['true'] });
  assert.deepEqual(out.filter((r) => matchSearch(f, r)).map((r) => r.name), ['team/app']);
});

test('without v1 search, the catalog is walked page by page through its Link header', async (t) => {
  const all = Array.from({ length: 7 }, (_, i) => `r${i}/app`).concat(['zzz/other']);
  const reg = await fake(t, (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/v2/') return json(res, 200, {});
    if (u.pathname !== '/v2/_catalog') return json(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
    // Pages of 3, whatever n says, as a registry may cap it.
    const last = u.searchParams.get('last');
    const from = last ? all.indexOf(last) + 1 : 0;
    const page = all.slice(from, from + 3);
    const headers: Record<string, string> = {};
    if (from + 3 < all.length) headers['link'] = `</v2/_catalog?last=${encodeURIComponent(page.at(-1)!)}&n=3>; rel="next"`;
    json(res, 200, { repositories: page }, headers);
  });
  const names = async (term: string, limit: number): Promise<string[]> =>
    (await search({ term: `${reg.host}/${term}`, limit, creds: {}, settings, tokens: new TokenCache() })).map((r) => r.name);
  assert.deepEqual(await names('app', 25), all.slice(0, 7).map((n) => `${reg.host}/${n}`));
  assert.deepEqual(await names('other', 25), [`${reg.host}/zzz/other`]);
  // The walk stops once the limit is reached.
  reg.seen.length = 0;
  assert.deepEqual(await names('app', 2), [`${reg.host}/r0/app`, `${reg.host}/r1/app`]);
  assert.equal(reg.seen.filter((s) => s.startsWith('/v2/_catalog')).length, 1);
  await assert.rejects(search({ term: `${reg.host}/app`, limit: 0, creds: {}, settings, tokens: new TokenCache() }), /Limit 0 is outside the range of \[1, 100\]/);
});

test('Link headers: the next page, relative or absolute, among other links', () => {
  const cur = 'http://r:5000/v2/_catalog?n=100';
  assert.equal(nextPage('</v2/_catalog?last=a%2Fb&n=100>; rel="next"', cur), 'http://r:5000/v2/_catalog?last=a%2Fb&n=100');
  assert.equal(nextPage('<http://other/x>; rel="prev", <https://r2/v2/_catalog?last=z>; rel=next', cur), 'https://r2/v2/_catalog?last=z');
  assert.equal(nextPage(undefined, cur), null);
  assert.equal(nextPage('<http://other/x>; rel="prev"', cur), null);
});

test('search filters in dockerd\'s words', () => {
  assert.throws(() => parseSearchFilters({ 'is-official': ['yes'] }), /Invalid filter 'is-official=\[yes\]'/);
  assert.throws(() => parseSearchFilters({ stars: ['1', 'x'] }), /Invalid filter 'stars=x'/);
  assert.throws(() => parseSearchFilters({ label: ['a'] }), /Invalid filter 'label'/);
  assert.deepEqual(parseSearchFilters({ stars: ['2', '5', '3'], 'is-official': ['false'] }), { stars: 5, isOfficial: false });
});
