import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Engine } from '../engine/engine.js';
import { NotFound, NotModified } from '../engine/errors.js';
import { createLogger } from '../engine/log.js';
import { createApp } from './app.js';
import { route } from './route.js';
import '../jobs/system/types.js';

const log = createLogger('error');

/** Serve an app with stub handlers on an ephemeral loopback port and return a fetch helper. */
async function serve(t: import('node:test').TestContext) {
  const engine = new Engine({}, log);
  engine.install({
    system_ping: async (job) => {
      if (job.name !== 'system_ping') throw new Error('unreachable');
      return 'OK';
    },
  });
  const routes = [
    route({ method: 'get', path: '/_ping', job: 'system_ping', reply: 'text', args: () => ({}) }),
    route({ method: 'get', path: '/missing/*name', job: 'system_ping', args: (r) => { throw new NotFound(`No such image: ${r.params.name}`); } }),
    route({ method: 'post', path: '/same', job: 'system_ping', args: () => { throw new NotModified('already'); } }),
    route({ method: 'post', path: '/echo', job: 'system_ping', args: (r) => { assert.deepEqual(r.body, { a: 1 }); return {}; } }),
  ];
  const server = createServer(createApp(engine, routes, { experimental: false, log })).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  return (method: string, path: string, body?: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/json' } }, (res) => {
        let data = '';
        res.on('data', (c) => { data += c; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
      });
      req.on('error', reject);
      req.end(body);
    });
}

test('ping answers OK with the API headers, versioned or not', async (t) => {
  const call = await serve(t);
  for (const path of ['/_ping', '/v1.41/_ping', '/v1.12/_ping']) {
    const r = await call('GET', path);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'OK');
    assert.equal(r.headers['api-version'], '1.41');
    assert.equal(r.headers['ostype'], 'linux');
    assert.equal(r.headers['docker-experimental'], 'false');
    assert.match(String(r.headers['server']), /^berth\//);
  }
  const head = await call('HEAD', '/_ping');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});

test('versions outside 1.12..1.41 get dockerd\'s 400', async (t) => {
  const call = await serve(t);
  const tooNew = await call('GET', '/v1.42/_ping');
  assert.equal(tooNew.status, 400);
  assert.equal(JSON.parse(tooNew.body).message, 'client version 1.42 is too new. Maximum supported API version is 1.41');
  // Clients older than API 1.24 get errors as plain text, as dockerd's http.Error sends them.
  const tooOld = await call('GET', '/v1.11/_ping');
  assert.equal(tooOld.status, 400);
  assert.match(tooOld.body, /^client version 1.11 is too old.*\n$/);
});

test('errors are JSON from API 1.24, plain text before', async (t) => {
  const call = await serve(t);
  assert.equal((await call('GET', '/v1.23/missing/library/busybox')).body, 'No such image: library/busybox\n');
  assert.deepEqual(JSON.parse((await call('GET', '/v1.24/missing/library/busybox')).body), { message: 'No such image: library/busybox' });
});

test('typed errors map to status codes with a message body', async (t) => {
  const call = await serve(t);
  const nf = await call('GET', '/missing/library/busybox');
  assert.equal(nf.status, 404);
  assert.deepEqual(JSON.parse(nf.body), { message: 'No such image: library/busybox' });
  const nm = await call('POST', '/same');
  assert.equal(nm.status, 304);
  assert.equal(nm.body, '');
  const none = await call('GET', '/nowhere');
  assert.equal(none.status, 404);
  assert.deepEqual(JSON.parse(none.body), { message: 'page not found' });
});

test('JSON bodies are decoded; malformed ones are a 400', async (t) => {
  const call = await serve(t);
  assert.equal((await call('POST', '/echo', '{"a":1}')).status, 200);
  const bad = await call('POST', '/echo', '{"a":');
  assert.equal(bad.status, 400);
  // Go's json.Decoder's words, as dockerd's.
  assert.equal(JSON.parse(bad.body).message, 'unexpected EOF');
});

test('a route naming an unregistered job fails at construction', () => {
  const engine = new Engine({}, log);
  assert.throws(() => createApp(engine, [route({ method: 'get', path: '/x', job: 'system_ping', args: () => ({}) })], { experimental: false, log }),
    /unregistered job system_ping/);
});
