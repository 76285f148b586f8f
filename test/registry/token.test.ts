import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceSkipReason, startReferenceDockerd, type ReferenceDockerd } from '../archive/reference-dockerd.js';
import { DOCKER_CLI_20, startDaemon } from '../helpers/daemon.js';
import { ok } from '../helpers/cli.js';
import { busyboxImage, multiLayerImage } from '../helpers/fixtures.js';
import { pushImage, readArchive, startRegistry } from './registry.js';
import { startTokenServer } from './token-server.js';

/**
 * Debian's docker-registry configured for token auth (`auth: token`), with the
 * test's own token server signing the JWTs (./token-server.ts). The messages are
 * dockerd 20.10's, read off a reference dockerd against this same setup.
 */
test('token auth: anonymous and logged-in pulls, login, an expired token refreshed', { timeout: 240_000 }, async (t: TestContext) => {
  const ts = await startTokenServer(t, { alice: 's3cret' });
  const reg = await startRegistry(t, { token: ts.registryAuth });
  const busybox = await busyboxImage();
  const img = await readArchive(busybox.path);
  for (const [repo, tags] of [['public/busybox', ['latest']], ['private/busybox', ['latest', 'v1', 'v2']]] as const) {
    // The test's writes carry a token it minted itself.
    reg.headers['authorization'] = `Bearer ${ts.mint([{ type: 'repository', name: repo, actions: ['pull', 'push'] }])}`;
    for (const tag of tags) await pushImage(reg, repo, tag, img);
  }
  const d = await startDaemon(t);
  const pub = `${reg.host}/public/busybox`;
  const priv = `${reg.host}/private/busybox`;

  // Anonymous: a token with pull access for the public repository, none for the private.
  assert.match(await ok(d, ['pull', pub]), new RegExp(`Status: Downloaded newer image for ${pub}:latest`));
  assert.ok(ts.requests.some((r) => r.account === undefined && r.scopes.includes('repository:public/busybox:pull')));
  for (const cli of [undefined, DOCKER_CLI_20]) {
    const anon = await d.docker(['pull', priv], { cli });
    assert.notEqual(anon.code, 0);
    assert.match(anon.stderr, new RegExp(`Error response from daemon: pull access denied for ${priv}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`));
  }

  // Login: the token server's 401 comes back in dockerd's words; the right password succeeds.
  const wrong = await d.docker(['login', reg.host, '-u', 'alice', '--password-stdin'], { input: 'wrong\n' });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, new RegExp(`Error response from daemon: Get "http://${reg.host}/v2/": unauthorized: incorrect username or password`));
  assert.match(await ok(d, ['login', reg.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' }), /Login Succeeded/);
  assert.ok(ts.requests.some((r) => r.account === 'alice' && r.granted && r.scopes.length === 0), 'login asked for a token with the credentials');

  // Logged in: the private repository pulls with alice's token.
  ts.validFor = 6; // this token dies in 6 s, though the client is told 300
  const issued = Date.now();
  assert.match(await ok(d, ['pull', priv]), new RegExp(`Status: Downloaded newer image for ${priv}:latest`));
  assert.equal(JSON.parse(await ok(d, ['image', 'inspect', priv]))[0].Id, busybox.id);
  assert.ok(ts.requests.some((r) => r.account === 'alice' && r.scopes.includes('repository:private/busybox:pull')));

  // The token is cached per scope: another pull of the repository asks for none.
  const before = ts.requests.length;
  await ok(d, ['pull', `${priv}:v1`]);
  assert.equal(ts.requests.length, before, 'the cached token was reused');

  // Once the registry refuses it as expired, one fresh token and the pull goes on.
  ts.validFor = 300;
  await new Promise((r) => setTimeout(r, Math.max(0, issued + 7000 - Date.now())));
  assert.match(await ok(d, ['pull', `${priv}:v2`]), new RegExp(`Status: Downloaded newer image for ${priv}:v2`));
  const fresh = ts.requests.slice(before);
  assert.equal(fresh.length, 1, JSON.stringify(fresh));
  assert.equal(fresh[0]!.account, 'alice');
  assert.deepEqual(fresh[0]!.scopes, ['repository:private/busybox:pull']);

  // Logged out again: back to anonymous, and refused.
  await ok(d, ['logout', reg.host]);
  const out = await d.docker(['pull', `${priv}:v1`]);
  assert.notEqual(out.code, 0);
  assert.match(out.stderr, /pull access denied for .*: denied: requested access to the resource is denied/);
  // The daemon serves on.
  await ok(d, ['version']);
});

test('identity tokens: a login dockerd made (OAuth2 refresh token) pulls through berth', { timeout: 240_000 }, async (t: TestContext) => {
  const ts = await startTokenServer(t, { alice: 's3cret' });
  const reg = await startRegistry(t, { token: ts.registryAuth });
  const busybox = await busyboxImage();
  reg.headers['authorization'] = `Bearer ${ts.mint([{ type: 'repository', name: 'private/busybox', actions: ['pull', 'push'] }])}`;
  await pushImage(reg, 'private/busybox', 'latest', await readArchive(busybox.path));
  const d = await startDaemon(t);
  const priv = `${reg.host}/private/busybox`;
  const cliConfig = (token: string): void => writeFileSync(join(d.dir, 'docker-config', 'config.json'),
    JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('alice:').toString('base64'), identitytoken: token } } }));

  // What `docker login` against dockerd leaves in config.json: an identity token, no password.
  let ref: ReferenceDockerd | undefined;
  if (!referenceSkipReason()) {
    ref = await startReferenceDockerd(t);
    const login = await ref.docker(['login', reg.host, '-u', 'alice', '--password-stdin'], Buffer.from('s3cret\n'));
    assert.equal(login.code, 0, login.stderr);
    const saved = JSON.parse(readFileSync(join(ref.dir, 'cli', 'config.json'), 'utf8')).auths[reg.host];
    assert.match(saved.identitytoken, /^[0-9a-f]{32}$/, JSON.stringify(saved));
    cliConfig(saved.identitytoken);
  } else {
    cliConfig(ts.refreshTokenFor('alice'));
  }
  const before = ts.requests.length;
  assert.match(await ok(d, ['pull', priv]), new RegExp(`Status: Downloaded newer image for ${priv}:latest`));
  const grants = ts.requests.slice(before);
  assert.ok(grants.length > 0 && grants.every((r) => r.method === 'POST' && r.account === 'alice' && r.granted), JSON.stringify(grants));
  assert.deepEqual(grants[0]!.scopes, ['repository:private/busybox:pull']);

  // A refresh token the server no longer knows: refused in the token server's words.
  cliConfig('0123456789abcdef0123456789abcdef');
  const refused = await d.docker(['pull', priv]);
  // (Within the cached token's lifetime: the cache is keyed by the credential, not the user name.)
  assert.notEqual(refused.code, 0);
  // dockerd's words, but for its HEAD of the manifest where berth GETs it.
  assert.match(refused.stderr, new RegExp(`Error response from daemon: (Get|Head) "http://${reg.host}/v2/private/busybox/manifests/latest": unauthorized: invalid refresh token`));
  // The token cached for the good identity token was not handed to the bad one.
  assert.equal(ts.requests.at(-1)!.granted, false);
});

test('token auth on push: denied anonymously, one token per scope set, a cross-repository mount asks for both', { timeout: 240_000 }, async (t: TestContext) => {
  const ts = await startTokenServer(t, { alice: 's3cret' });
  const reg = await startRegistry(t, { token: ts.registryAuth });
  const multi = await multiLayerImage();
  const d = await startDaemon(t);
  await ok(d, ['load', '-i', multi.path]);
  const a = `${reg.host}/private/a:v1`;
  const b = `${reg.host}/private/b:v1`;
  await ok(d, ['tag', multi.tag, a]);
  await ok(d, ['tag', multi.tag, b]);

  // dockerd's words for a token without push access.
  const anon = await d.docker(['push', a]);
  assert.notEqual(anon.code, 0);
  assert.match(anon.stderr, /denied: requested access to the resource is denied/);

  await ok(d, ['login', reg.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' });
  let before = ts.requests.length;
  assert.match(await ok(d, ['push', a]), /v1: digest: sha256:[0-9a-f]{64} size: \d+/);
  // Three layers and a config go up in parallel, with one token between them.
  assert.deepEqual(ts.requests.slice(before).map((r) => [r.account, r.scopes.join(' ')]), [['alice', 'repository:private/a:pull,push']]);

  before = ts.requests.length;
  const mounted = await ok(d, ['push', b]);
  assert.match(mounted, /Mounted from private\/a/);
  const scopes = ts.requests.slice(before).map((r) => r.scopes.join(' '));
  assert.ok(scopes.includes('repository:private/b:pull,push repository:private/a:pull'), JSON.stringify(scopes));
  assert.equal(new Set(scopes).size, scopes.length, `one token per scope set: ${JSON.stringify(scopes)}`);

  // What went up pulls back into a fresh daemon with its ID.
  const e = await startDaemon(t);
  await ok(e, ['login', reg.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' });
  await ok(e, ['pull', b]);
  assert.equal(JSON.parse(await ok(e, ['image', 'inspect', b]))[0].Id, multi.id);
});

test('a broken token server: unreachable, not JSON, no token, 500, 403 with details; in dockerd 20.10 words', { timeout: 120_000 }, async (t: TestContext) => {
  const ts = await startTokenServer(t, {});
  const reg = await startRegistry(t, { token: ts.registryAuth });
  // The same service and keys, but a realm where nothing listens.
  const dead = await startRegistry(t, { token: { ...ts.registryAuth, realm: 'http://127.0.0.1:9/token' } });
  const d = await startDaemon(t);
  const manifest = (r: { host: string }): string => `(Get|Head) "http://${r.host}/v2/public/bb/manifests/latest"`;

  const refused = await d.docker(['pull', `${dead.host}/public/bb`]);
  assert.match(refused.stderr, new RegExp(`Error response from daemon: ${manifest(dead)}: Get "http://127.0.0.1:9/token\\?scope=repository%3Apublic%2Fbb%3Apull&service=berth-test-registry": dial tcp 127.0.0.1:9: connect: connection refused`));

  const cases: [NonNullable<typeof ts.override>, string][] = [
    [{ status: 200, body: 'this is not json' }, 'unable to decode token response: '],
    [{ status: 200, body: '{"expires_in": 60}' }, 'authorization server did not include a token in the response'],
    [{ status: 500, contentType: 'text/plain', body: 'token service exploded' }, 'received unexpected HTTP status: 500 Internal Server Error'],
    [{ status: 403, body: '{"details":"forbidden for you"}' }, 'denied: forbidden for you'],
  ];
  for (const [answer, words] of cases) {
    ts.override = answer;
    const r = await d.docker(['pull', `${reg.host}/public/bb`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`Error response from daemon: ${manifest(reg)}: ${words}`), JSON.stringify(answer));
  }
  await ok(d, ['version']);
});
