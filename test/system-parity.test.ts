import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { referenceSkipReason, startReferenceDockerd } from './archive/reference-dockerd.js';
import { startDaemon } from './helpers/daemon.js';

// /info, /version, /system/df and /_ping against dockerd 20.10: same fields, same types.

function get(socket: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Field → JSON type, one level deep into objects (`Swarm.LocalNodeState: string`). */
function shape(v: Record<string, unknown>, nested: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x;
    if (nested.includes(k) && x && typeof x === 'object' && !Array.isArray(x)) {
      for (const [k2, x2] of Object.entries(x)) out[`${k}.${k2}`] = x2 === null ? 'null' : Array.isArray(x2) ? 'array' : typeof x2;
    }
  }
  return out;
}

const skip = referenceSkipReason();

test('system answers have dockerd 20.10\'s shape', { skip: skip ?? false, timeout: 180_000 }, async (t: TestContext) => {
  const [ref, berth] = await Promise.all([startReferenceDockerd(t), startDaemon(t)]);
  const refSock = join(ref.dir, 'docker.sock');

  const [ri, bi] = await Promise.all([get(refSock, '/v1.41/info'), get(berth.socket, '/v1.41/info')]);
  const nested = ['Swarm', 'RegistryConfig', 'Plugins', 'ContainerdCommit', 'RuncCommit', 'InitCommit'];
  const refInfo = shape(JSON.parse(ri.body), nested);
  const ourInfo = shape(JSON.parse(bi.body), nested);
  // Values that are null on one host and a list on another (Warnings, Labels...) may differ in type.
  const loose = new Set(['DriverStatus', 'Warnings', 'Plugins.Authorization', 'Swarm.RemoteManagers', 'GenericResources', 'Labels']);
  for (const [k, type] of Object.entries(refInfo)) {
    assert.ok(k in ourInfo, `/info lacks ${k}`);
    if (!loose.has(k)) assert.equal(ourInfo[k], type, `/info ${k}`);
  }

  const [rv, bv] = await Promise.all([get(refSock, '/v1.41/version'), get(berth.socket, '/v1.41/version')]);
  const refVersion = JSON.parse(rv.body) as Record<string, unknown> & { Components: { Details: Record<string, string> }[] };
  const ourVersion = JSON.parse(bv.body) as typeof refVersion;
  assert.deepEqual(shape(ourVersion), shape(refVersion));
  assert.deepEqual(Object.keys(ourVersion.Components[0]!.Details).sort(), Object.keys(refVersion.Components[0]!.Details).sort());
  for (const k of ['ApiVersion', 'MinAPIVersion', 'Os', 'Arch', 'KernelVersion'] as const) assert.equal(ourVersion[k], refVersion[k], k);

  const [rd, bd] = await Promise.all([get(refSock, '/v1.41/system/df'), get(berth.socket, '/v1.41/system/df')]);
  assert.deepEqual(Object.keys(JSON.parse(bd.body)).sort(), Object.keys(JSON.parse(rd.body)).sort());

  for (const method of ['GET', 'HEAD']) {
    const [rp, bp] = await Promise.all([get(refSock, '/_ping', method), get(berth.socket, '/_ping', method)]);
    assert.equal(bp.status, rp.status);
    assert.equal(bp.body, rp.body);
    for (const h of ['api-version', 'ostype', 'docker-experimental', 'cache-control', 'pragma', 'content-type']) {
      assert.equal(bp.headers[h], rp.headers[h], `${method} /_ping ${h}`);
    }
  }

  for (const [method, path] of [['GET', '/swarm'], ['POST', '/swarm/leave'], ['GET', '/services'], ['GET', '/plugins'], ['GET', '/plugins/nope/json'], ['GET', '/v1.99/info'], ['GET', '/nowhere']]) {
    const [r, b] = await Promise.all([get(refSock, path!, method), get(berth.socket, path!, method)]);
    assert.equal(b.status, r.status, `${method} ${path}`);
    assert.deepEqual(JSON.parse(b.body), JSON.parse(r.body), `${method} ${path}`);
  }
});
