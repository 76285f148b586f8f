import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenCache } from './auth.js';
import { decodeRegistryAuth, encodeRegistryAuth } from './auth-header.js';
import { parseChallenges } from './challenge.js';
import { RegistryClient } from './client.js';
import { retryAfterMs } from './errors.js';

test('WWW-Authenticate: Bearer and Basic challenges, quoted values, several per header', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  assert.deepEqual(parseChallenges('Basic realm=x, Bearer realm="a,b", error="invalid_token"'), [
    { scheme: 'basic', params: { realm: 'x' } },
    { scheme: 'bearer', params: { realm: 'a,b', error: 'invalid_token' } },
  ]);
  assert.deepEqual(parseChallenges('Bearer realm="q\\"uote"'), [{ scheme: 'bearer', params: { realm: 'q"uote' } }]);
  assert.deepEqual(parseChallenges(undefined), []);
});

test('X-Registry-Auth: base64url JSON, padding optional, garbage is no credentials', () => {
  const c = { username: 'a', password: 'p?>', serveraddress: 'localhost:5000' };
  assert.deepEqual(decodeRegistryAuth(encodeRegistryAuth(c)), c);
  assert.deepEqual(decodeRegistryAuth(Buffer.from(JSON.stringify(c)).toString('base64')), c);
  assert.deepEqual(decodeRegistryAuth('!!!'), {});
  assert.deepEqual(decodeRegistryAuth(undefined), {});
});

test('Retry-After: seconds or a date', () => {
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs(undefined), undefined);
  assert.ok((retryAfterMs(new Date(Date.now() + 5000).toUTCString()) ?? 0) > 3000);
});

/** A registry fake that wants Bearer tokens from a token endpoint on the same server. */
async function fakeRegistry(t: TestContext, opts: { ttl?: number } = {}) {
  const issued: string[] = [];
  const seen: string[] = [];
  /** Tokens the registry no longer accepts. */
  const revoked = new Set<string>();
  let n = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      const basic = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      if (basic !== 'bob:pw') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      const token = `t${++n}:${url.searchParams.getAll('scope').join(',')}`;
      issued.push(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: opts.ttl ?? 300 }));
      return;
    }
    const auth = String(req.headers.authorization ?? '');
    seen.push(auth);
    const port = (server.address() as AddressInfo).port;
    if (!auth.startsWith('Bearer ') || revoked.has(auth.slice(7)) || (url.pathname !== '/v2/' && !auth.includes('repository:x/y:pull'))) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="fake"`, 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, issued, seen, revoked };
}

const settings = { insecureRegistries: [], registryMirrors: [], maxDownloadAttempts: 2, certsDir: '/nonexistent' };

test('Bearer flow: the token is fetched with Basic credentials for the scope, cached, and refreshed on a 401', async (t) => {
  const fake = await fakeRegistry(t);
  const tokens = new TokenCache();
  const client = await RegistryClient.connect(fake.host, { settings, creds: { username: 'bob', password: 'pw' }, tokens, forPull: true });
  assert.equal(client.auth.scheme, 'bearer');
  const url = client.url('x/y', 'manifests/latest');
  assert.equal((await client.request('x/y', 'pull', { method: 'GET', url })).statusCode, 200);
  assert.equal((await client.request('x/y', 'pull', { method: 'GET', url })).statusCode, 200);
  assert.deepEqual(fake.issued, ['t1:repository:x/y:pull']);
  // A revoked token: the registry says 401, one new token is fetched and used.
  fake.revoked.add(fake.issued[0]!);
  assert.equal((await client.request('x/y', 'pull', { method: 'GET', url })).statusCode, 200);
  assert.equal(fake.issued.length, 2);
  assert.equal(fake.seen.at(-1), `Bearer ${fake.issued[1]}`);
  // The cache is the daemon's: the same user name with another password gets no cached token.
  const other = await RegistryClient.connect(fake.host, { settings, creds: { username: 'bob', password: 'guess' }, tokens, forPull: true });
  await assert.rejects(other.request('x/y', 'pull', { method: 'GET', url }), /incorrect username or password/);
});

test('Bearer flow: a token server refusing the password is an Unauthorized with its message', async (t) => {
  const fake = await fakeRegistry(t);
  const client = await RegistryClient.connect(fake.host, { settings, creds: { username: 'bob', password: 'nope' }, tokens: new TokenCache(), forPull: true });
  await assert.rejects(client.request('x/y', 'pull', { method: 'GET', url: client.url('x/y', 'manifests/latest') }), (err: Error & { kind?: string }) => {
    assert.equal(err.kind, 'unauthorized');
    assert.match(err.message, /unauthorized: incorrect username or password/);
    return true;
  });
});

test('Bearer flow: parallel requests share one token fetch, and a refused token is replaced once', async (t) => {
  const fake = await fakeRegistry(t);
  const client = await RegistryClient.connect(fake.host, { settings, creds: { username: 'bob', password: 'pw' }, tokens: new TokenCache(), forPull: true });
  const url = client.url('x/y', 'manifests/latest');
  const all = (): Promise<unknown> => Promise.all([1, 2, 3, 4].map(async () => (await client.request('x/y', 'pull', { method: 'GET', url })).resume()));
  await all();
  assert.equal(fake.issued.length, 1);
  // Every one of them is refused the cached token: one new token, not four.
  fake.revoked.add(fake.issued[0]!);
  await all();
  assert.equal(fake.issued.length, 2, JSON.stringify(fake.issued));
});
