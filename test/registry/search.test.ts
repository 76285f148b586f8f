import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { DOCKER_CLI_20, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { ok } from '../helpers/cli.js';
import { layerTar } from '../helpers/fixtures.js';
import { pushImage, sha256, startRegistry, type TestRegistry } from './registry.js';

/**
 * `docker search` against Debian's docker-registry, which has no v1 search API:
 * berth walks `/v2/_catalog` page by page and keeps the repositories whose name
 * contains the term (dockerd answers such a registry with a bare 404). Only
 * loopback registries are searched: a term without a registry host would go to
 * Docker Hub.
 */

async function fill(reg: TestRegistry, repos: string[]): Promise<void> {
  const layer = await layerTar([{ type: 'file', name: 'hello', mode: 0o644, content: 'hello\n' }]);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  for (const repo of repos) await pushImage(reg, repo, 'latest', { config, layers: [layer] });
}

/** A GET on the daemon's API: status and parsed body. */
function get(d: TestDaemon, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, path: `/v1.41${path}` }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end();
  });
}

const names = (out: string): string[] => out.split('\n').filter(Boolean);

test('search: the catalog filtered by the term, paged, with limit and filters', { timeout: 240_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  // 130 repositories: more than one catalog page (berth asks for 100 at a time).
  const many = Array.from({ length: 130 }, (_, i) => `many/repo-${String(i).padStart(3, '0')}`);
  await fill(reg, ['busybox', 'lib/busybox-extra', 'other/app', ...many]);
  const d = await startDaemon(t);
  const h = reg.host;

  for (const cli of [undefined, DOCKER_CLI_20]) {
    const table = await ok(d, ['search', `${h}/bus`], { cli });
    assert.match(table, /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL/);
    assert.match(table, new RegExp(`\\n${h}/busybox\\s+0\\s`));
    assert.match(table, new RegExp(`\\n${h}/lib/busybox-extra\\s+0\\s`));
    assert.equal(names(table).length, 3, table);
  }
  const fmt = ['--format', '{{.Name}}'];
  // Matches on both pages: repo-012 on the first, repo-112 and repo-120..129 on the second.
  assert.deepEqual(names(await ok(d, ['search', ...fmt, `${h}/12`])),
    [`${h}/many/repo-012`, `${h}/many/repo-112`, ...Array.from({ length: 10 }, (_, i) => `${h}/many/repo-12${i}`)]);
  // The default limit is 25; --limit up to 100; the registry part alone lists everything.
  assert.equal(names(await ok(d, ['search', ...fmt, `${h}/many/`])).length, 25);
  assert.equal(names(await ok(d, ['search', ...fmt, '--limit', '100', `${h}/many/`])).length, 100);
  assert.deepEqual(names(await ok(d, ['search', ...fmt, '--limit', '3', `${h}/`])), [`${h}/busybox`, `${h}/lib/busybox-extra`, `${h}/many/repo-000`]);
  assert.deepEqual(names(await ok(d, ['search', ...fmt, `${h}/nothing-like-this`])), []);

  // Filters: catalog entries are neither official nor automated and have no stars.
  assert.deepEqual(names(await ok(d, ['search', ...fmt, '--filter', 'is-official=true', `${h}/bus`])), []);
  assert.deepEqual(names(await ok(d, ['search', ...fmt, '--filter', 'is-automated=false', `${h}/bus`])), [`${h}/busybox`, `${h}/lib/busybox-extra`]);
  assert.deepEqual(names(await ok(d, ['search', ...fmt, '--filter', 'stars=1', `${h}/bus`])), []);
  assert.equal(names(await ok(d, ['search', ...fmt, '--filter', 'stars=0', `${h}/bus`])).length, 2);

  // The API's answer, field for field as dockerd's.
  const api = await get(d, `/images/search?term=${encodeURIComponent(`${h}/other`)}`);
  assert.equal(api.status, 200);
  assert.deepEqual(api.body, [{ star_count: 0, is_official: false, name: `${h}/other/app`, is_trusted: false, is_automated: false, description: '' }]);

  // Bad input, with dockerd's messages (checked before any registry is asked).
  const bad: [string, string][] = [
    [`limit=0`, 'Limit 0 is outside the range of [1, 100]'],
    [`limit=101`, 'Limit 101 is outside the range of [1, 100]'],
    [`limit=abc`, 'strconv.Atoi: parsing "abc": invalid syntax'],
    [`filters=${encodeURIComponent('{"is-official":["maybe"]}')}`, "Invalid filter 'is-official=[maybe]'"],
    [`filters=${encodeURIComponent('{"is-automated":["true","false"]}')}`, "Invalid filter 'is-automated=[true false]'"],
    [`filters=${encodeURIComponent('{"stars":["many"]}')}`, "Invalid filter 'stars=many'"],
    [`filters=${encodeURIComponent('{"color":["blue"]}')}`, "Invalid filter 'color'"],
  ];
  for (const [q, message] of bad) {
    const r = await get(d, `/images/search?term=${encodeURIComponent(`${h}/bus`)}&${q}`);
    assert.equal(r.status, 400, q);
    assert.deepEqual(r.body, { message }, q);
  }
  const scheme = await get(d, `/images/search?term=${encodeURIComponent(`http://${h}/bus`)}`);
  assert.deepEqual(scheme, { status: 400, body: { message: 'Invalid repository name (ex: "registry.domain.tld/myrepos")' } });
  const cli = await d.docker(['search', '--limit', '101', `${h}/bus`], { cli: DOCKER_CLI_20 });
  assert.notEqual(cli.code, 0);
  assert.match(cli.stderr, /Limit 101 is outside the range of \[1, 100\]/);
});

test('search: a registry with Basic auth needs docker login first', { timeout: 120_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t, { user: 'alice', password: 's3cret' });
  await fill(reg, ['private/busybox']);
  const d = await startDaemon(t);
  const anon = await d.docker(['search', `${reg.host}/busy`]);
  assert.notEqual(anon.code, 0);
  assert.match(anon.stderr, /no basic auth credentials/);
  await ok(d, ['login', reg.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' });
  assert.deepEqual(names(await ok(d, ['search', '--format', '{{.Name}}', `${reg.host}/busy`])), [`${reg.host}/private/busybox`]);
});
