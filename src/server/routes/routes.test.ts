import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Engine } from '../../engine/engine.js';
import { createLogger } from '../../engine/log.js';
import type { JobContext } from '../../jobs/context.js';
import { NOT_A_MANAGER, NOT_IN_A_SWARM } from '../../jobs/system/swarm.js';
import { allJobs } from '../../jobs/index.js';
import { createApp } from '../app.js';
import { pendingRoutes } from './pending.js';
import { routes } from './index.js';

const log = createLogger('error');

/** The daemon's own tables; the 501/503/404 answers checked here need no services. */
function engine(): Engine<JobContext> {
  const e = new Engine({} as JobContext, log);
  for (const table of allJobs) e.install(table);
  return e;
}

async function serve(t: import('node:test').TestContext) {
  const server = createServer(createApp(engine(), routes, { experimental: false, log })).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  return (method: string, path: string, body?: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
        let data = '';
        res.on('data', (c) => { data += c; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
      });
      req.on('error', reject);
      req.end(body);
    });
}

test('no two routes share a method and path', () => {
  const seen = new Set<string>();
  for (const r of routes) {
    const key = `${r.method.toUpperCase()} ${r.path}`;
    assert.ok(!seen.has(key), `duplicate route ${key}`);
    seen.add(key);
  }
});

test('every route names a job the daemon\'s tables register', () => {
  assert.doesNotThrow(() => createApp(engine(), routes, { experimental: false, log }));
});

test('pending routes come last and shadow no route an area serves', () => {
  const firstPending = routes.indexOf(pendingRoutes[0]!);
  assert.equal(firstPending, routes.length - pendingRoutes.length);
  const served = new Set(routes.slice(0, firstPending).map((r) => `${r.method} ${r.path}`));
  for (const r of pendingRoutes) assert.ok(!served.has(`${r.method} ${r.path}`), `${r.method} ${r.path} is served by an area`);
});

test('routes not served yet answer 501 naming the feature, even with a non-JSON body', async (t) => {
  const call = await serve(t);
  const session = await call('POST', '/v1.41/session', '{"Image":"busybox"}');
  assert.equal(session.status, 501);
  assert.deepEqual(JSON.parse(session.body), { message: 'build sessions (POST /session) is not implemented yet in berth' });
  // A body that is no JSON is not parsed just to be refused.
  const grpc = await call('POST', '/grpc', 'not json at all, a stream would be here');
  assert.equal(grpc.status, 501);
  assert.match(JSON.parse(grpc.body).message, /^the gRPC build endpoint \(POST \/grpc\) is not implemented yet/);
});

test('swarm routes answer as dockerd outside a swarm', async (t) => {
  const call = await serve(t);
  for (const [method, path] of [['GET', '/swarm'], ['GET', '/v1.41/services'], ['GET', '/nodes'], ['POST', '/secrets/create'], ['GET', '/tasks/abc']]) {
    const r = await call(method!, path!);
    assert.equal(r.status, 503, path);
    assert.deepEqual(JSON.parse(r.body), { message: NOT_A_MANAGER });
  }
  assert.equal(NOT_A_MANAGER,
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
  const leave = await call('POST', '/v1.41/swarm/leave?force=1');
  assert.equal(leave.status, 503);
  assert.deepEqual(JSON.parse(leave.body), { message: NOT_IN_A_SWARM });
  assert.equal(NOT_IN_A_SWARM, 'This node is not part of a swarm');
});

test('plugins: none installed', async (t) => {
  const call = await serve(t);
  const list = await call('GET', '/plugins');
  assert.equal(list.status, 200);
  assert.deepEqual(JSON.parse(list.body), []);
  const inspect = await call('GET', '/plugins/vieux/sshfs:latest/json');
  assert.equal(inspect.status, 404);
  assert.deepEqual(JSON.parse(inspect.body), { message: 'plugin "vieux/sshfs:latest" not found' });
});

test('ping carries dockerd\'s no-cache and builder headers; versions are checked first', async (t) => {
  const call = await serve(t);
  for (const method of ['GET', 'HEAD']) {
    const r = await call(method, '/_ping');
    assert.equal(r.status, 200);
    assert.equal(r.headers['cache-control'], 'no-cache, no-store, must-revalidate');
    assert.equal(r.headers['pragma'], 'no-cache');
    assert.equal(r.headers['builder-version'], '1');
    assert.equal(r.headers['api-version'], '1.41');
  }
  const tooNew = await call('POST', '/v1.99/containers/create');
  assert.equal(tooNew.status, 400);
  assert.equal(JSON.parse(tooNew.body).message, 'client version 1.99 is too new. Maximum supported API version is 1.41');
  const unknown = await call('GET', '/v1.41/nothing/here');
  assert.equal(unknown.status, 404);
});

test('OPTIONS on any path is an empty 200, as dockerd answers a CORS preflight', async (t) => {
  const call = await serve(t);
  const r = await call('OPTIONS', '/v1.41/containers/json');
  assert.equal(r.status, 200);
  assert.equal(r.body, '');
});

test('events: since after until is dockerd\'s 400, with the values as sent', async (t) => {
  const call = await serve(t);
  const r = await call('GET', '/events?since=200&until=100');
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.body), { message: '`since` time (200) cannot be after `until` time (100)' });
});
