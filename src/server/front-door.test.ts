import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine/engine.js';
import { createLogger } from '../engine/log.js';
import { createApp } from './app.js';
import { listen } from './listeners.js';
import { parseProbe } from './front-door.js';
import { route } from './route.js';
import '../jobs/system/types.js';

const log = createLogger('error');
const HEADERS = { 'Cache-Control': 'no-cache', 'Builder-Version': '1' };

/** The app with a quick `/_ping` and a plain `/version` on a unix socket; counts ping jobs. */
async function serve(t: import('node:test').TestContext, opts: { failPing?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-door-'));
  const engine = new Engine({}, log);
  const jobs = { ping: 0 };
  engine.install({
    system_ping: async () => {
      jobs.ping++;
      if (opts.failPing) throw new Error('boom');
      return 'OK';
    },
    system_version: async () => ({ Version: 'x' }) as never,
  });
  const routes = [
    route({ method: 'get', path: '/_ping', job: 'system_ping', reply: 'text', headers: HEADERS, quick: true, args: () => ({}) }),
    route({ method: 'head', path: '/_ping', job: 'system_ping', reply: 'text', headers: HEADERS, quick: true, args: () => ({}) }),
    route({ method: 'get', path: '/slow-ping', job: 'system_ping', reply: 'text', headers: HEADERS, args: () => ({}) }),
    route({ method: 'get', path: '/version', job: 'system_version', args: () => ({}) }),
    route({ method: 'get', path: '/quick-version', job: 'system_version', quick: true, args: () => ({}) }),
  ];
  const path = join(dir, 'api.sock');
  const l = await listen(createApp(engine, routes, { experimental: false, log }), [`unix://${path}`]);
  t.after(async () => {
    await l.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, jobs };
}

/** Writes `chunks` one by one (a tick apart) and returns everything read until the server closes or `ms` pass. */
function exchange(path: string, chunks: string[], ms = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let out = '';
    const timer = setTimeout(() => { s.destroy(); resolve(out); }, ms);
    s.on('data', (c: Buffer) => { out += c.toString('latin1'); });
    s.on('end', () => { clearTimeout(timer); s.destroy(); resolve(out); });
    s.on('error', reject);
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
}

/** The answers in a byte stream, each with its Date header blanked. */
function answers(text: string): string[] {
  return text.split(/(?=HTTP\/1\.1 )/).filter(Boolean).map((a) => a.replace(/^Date: .*$/m, 'Date: -'));
}

const get = (p: string, extra = ''): string => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

test('a probe answered at the front door is byte for byte what node:http answers for the same route', async (t) => {
  const { path, jobs } = await serve(t);
  const [quick] = answers(await exchange(path, [get('/_ping', 'Connection: close\r\n')]));
  const [slow] = answers(await exchange(path, [get('/slow-ping', 'Connection: close\r\n')]));
  assert.equal(quick, slow);
  assert.match(quick!, /^HTTP\/1\.1 200 OK\r\n[^]*Api-Version: 1\.41\r\n[^]*Builder-Version: 1\r\n/);
  assert.ok(quick!.endsWith('\r\n\r\nOK'));
  assert.equal(jobs.ping, 2, 'each probe runs the ping job');
  const [kept] = answers(await exchange(path, [get('/_ping')], 300));
  assert.match(kept!, /Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nOK$/);
  const [head] = answers(await exchange(path, [`HEAD /v1.40/_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]));
  assert.match(head!, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 2\r\n[^]*\r\n\r\n$/);
});

test('a quick JSON route is answered byte for byte as node:http answers it', async (t) => {
  const { path } = await serve(t);
  const [quick] = answers(await exchange(path, [get('/quick-version', 'Connection: close\r\n')]));
  const [slow] = answers(await exchange(path, [get('/version', 'Connection: close\r\n')]));
  assert.equal(quick, slow);
  assert.match(quick!, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Type: application\/json\r\n[^]*\r\n\r\n\{"Version":"x"\}\n$/);
});

test('pipelined probes, then another request: answered in order on the one connection', async (t) => {
  const { path } = await serve(t);
  const all = get('/_ping') + get('/v1.41/_ping') + get('/version') + get('/_ping', 'Connection: close\r\n');
  for (const chunks of [[all], all.match(/[^]{1,7}/g)!]) {
    const got = answers(await exchange(path, chunks));
    assert.equal(got.length, 4, got.join('\n---\n'));
    assert.ok(got[0]!.endsWith('OK') && got[1]!.endsWith('OK'));
    assert.match(got[2]!, /\{"Version":"x"\}\n$/);
    assert.match(got[3]!, /Connection: close\r\n\r\nOK$/);
  }
});

test('what is not a plain probe goes to node:http: bodies, versions it refuses, queries, other methods, garbage', async (t) => {
  const { path } = await serve(t);
  const [tooNew] = answers(await exchange(path, [get('/v1.99/_ping', 'Connection: close\r\n')]));
  assert.match(tooNew!, /^HTTP\/1\.1 400 Bad Request[^]*client version 1\.99 is too new/);
  const [withBody] = answers(await exchange(path, ['GET /_ping HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc']));
  assert.match(withBody!, /^HTTP\/1\.1 200 OK[^]*OK$/);
  const [query] = answers(await exchange(path, [get('/_ping?x=1', 'Connection: close\r\n')]));
  assert.match(query!, /^HTTP\/1\.1 200 OK/);
  const [post] = answers(await exchange(path, ['POST /_ping HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n']));
  assert.match(post!, /^HTTP\/1\.1 404 Not Found[^]*page not found/);
  const [junk] = answers(await exchange(path, ['\x00\x01 nonsense\r\n\r\n']));
  assert.match(junk!, /^HTTP\/1\.1 400 Bad Request/);
  const [http10] = answers(await exchange(path, ['GET /_ping HTTP/1.0\r\n\r\n']));
  assert.match(http10!, /^HTTP\/1\.1 200 OK[^]*OK$/);
});

test('a failing ping job answers in dockerd\'s JSON error shape', async (t) => {
  const { path } = await serve(t, { failPing: true });
  const [quick] = answers(await exchange(path, [get('/_ping', 'Connection: close\r\n')]));
  const [slow] = answers(await exchange(path, [get('/slow-ping', 'Connection: close\r\n')]));
  assert.equal(quick, slow);
  assert.match(quick!, /^HTTP\/1\.1 500 Internal Server Error[^]*\{"message":"boom"\}\n$/);
});

test('parseProbe takes only bodiless GET and HEAD over HTTP/1.1', () => {
  assert.deepEqual(parseProbe('GET /_ping HTTP/1.1\r\nHost: x\r\nconnection: keep-alive, Close'), { method: 'GET', target: '/_ping', close: true });
  assert.deepEqual(parseProbe('HEAD /_ping HTTP/1.1\r\nContent-Length: 0'), { method: 'HEAD', target: '/_ping', close: false });
  for (const bad of ['GET /_ping HTTP/1.0', 'PUT /_ping HTTP/1.1', 'GET /_ping HTTP/1.1\r\nTransfer-Encoding: chunked',
    'GET /_ping HTTP/1.1\r\nUpgrade: tcp', 'GET /_ping HTTP/1.1\r\nExpect: 100-continue', 'GET /_ping HTTP/1.1\r\nno colon',
    'GET _ping HTTP/1.1']) {
    assert.equal(parseProbe(bad), null, bad);
  }
});
