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
import { pingsOnPorch } from './porch.js';
import { route } from './route.js';
import winston from 'winston';
import '../jobs/system/types.js';

const log = createLogger('error');
const HEADERS = { 'Cache-Control': 'no-cache', 'Builder-Version': '1' };

/** The app with a quick `/_ping` and a plain `/version` on a unix socket; counts ping jobs. */
async function serve(t: import('node:test').TestContext, opts: { failPing?: boolean; porch?: boolean; debug?: boolean } = {}) {
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
    route({ method: 'get', path: '/_ping', job: 'system_ping', reply: 'text', headers: HEADERS, quick: true, porch: opts.porch, args: () => ({}) }),
    route({ method: 'head', path: '/_ping', job: 'system_ping', reply: 'text', headers: HEADERS, quick: true, porch: opts.porch, args: () => ({}) }),
    route({ method: 'get', path: '/slow-ping', job: 'system_ping', reply: 'text', headers: HEADERS, args: () => ({}) }),
    route({ method: 'get', path: '/version', job: 'system_version', args: () => ({}) }),
    route({ method: 'get', path: '/quick-version', job: 'system_version', quick: true, args: () => ({}) }),
  ];
  const path = join(dir, 'api.sock');
  // The listeners' logger writes nowhere: only its level matters here.
  const listenLog = winston.createLogger({ level: opts.debug ? 'debug' : 'error', transports: [new winston.transports.Console({ silent: true })] });
  const l = await listen(createApp(engine, routes, { experimental: false, log }), [`unix://${path}`], { log: listenLog });
  t.after(async () => {
    await l.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, jobs, close: () => l.close(), listeners: l, listenLog };
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

/** Pings one after another on one connection, each sent once the previous is answered. */
const pingsInARow = (n: number, extra = ''): string[] => Array.from({ length: n }, () => get('/_ping', extra));

test('a connection that goes on pinging moves to the porch, which answers as the front door does', async (t) => {
  const { path, jobs } = await serve(t, { porch: true });
  const before = pingsOnPorch();
  const got = answers(await exchange(path, [...pingsInARow(5), 'HEAD /v1.30/_ping HTTP/1.1\r\nHost: x\r\n\r\n'], 400));
  assert.equal(got.length, 6, got.join('\n---\n'));
  assert.equal(jobs.ping, 2, 'the first two pings ran the job at the front door; the porch answered the rest');
  assert.equal(pingsOnPorch() - before, 4);
  for (const a of got.slice(1, 5)) assert.equal(a, got[0], 'the porch answers with the front door\'s bytes');
  assert.match(got[5]!, /^HTTP\/1\.1 200 OK\r\n[^]*Content-Length: 2\r\n[^]*Keep-Alive: timeout=5\r\n\r\n$/);
  // Its Date is the current one (the front door's answer it replays was made earlier).
  const raw = await exchange(path, [...pingsInARow(3)], 300);
  const date = /Date: (.*)\r\n/.exec(raw.split('HTTP/1.1 ').at(-1)!)![1]!;
  assert.ok(Math.abs(Date.parse(date) - Date.now()) < 2000, date);
  // One client that pings once and then asks its real question never reaches the porch.
  const once = pingsOnPorch();
  const cli = answers(await exchange(path, [get('/_ping'), get('/version', 'Connection: close\r\n')]));
  assert.equal(cli.length, 2);
  assert.equal(pingsOnPorch(), once);
});

test('the porch gives a connection back at the first other request, with every byte it read', async (t) => {
  const { path, jobs } = await serve(t, { porch: true });
  const tail = get('/_ping') + get('/version') + get('/_ping') + get('/v1.99/_ping') + get('/_ping', 'Connection: close\r\n');
  for (const chunks of [[...pingsInARow(3), tail], [...pingsInARow(3), ...tail.match(/[^]{1,9}/g)!]]) {
    const got = answers(await exchange(path, chunks));
    assert.equal(got.length, 8, got.join('\n---\n'));
    for (const i of [0, 1, 2, 3, 5, 7]) assert.ok(got[i]!.endsWith('\r\n\r\nOK'), got[i]);
    assert.match(got[4]!, /\{"Version":"x"\}\n$/);
    assert.match(got[6]!, /^HTTP\/1\.1 400 Bad Request[^]*client version 1\.99 is too new/);
    assert.match(got[7]!, /Connection: close\r\n\r\nOK$/);
  }
  // Given back, the connection is node:http's from its first other request on, as
  // one that never left the front door: its later pings are jobs again.
  const jobsBefore = jobs.ping;
  const before = pingsOnPorch();
  const got = answers(await exchange(path, [...pingsInARow(3), get('/version'), ...pingsInARow(4)], 400));
  assert.equal(got.length, 8);
  assert.equal(pingsOnPorch() - before, 1);
  assert.equal(jobs.ping - jobsBefore, 6);
});

test('the porch ends its connections when the listener closes, and on a client\'s Connection: close', async (t) => {
  const { path, close } = await serve(t, { porch: true });
  const before = pingsOnPorch();
  const closed = await exchange(path, [...pingsInARow(3), get('/_ping', 'Connection: close\r\n')], 3000);
  assert.equal(answers(closed).length, 4, 'the server closed the connection after the last answer');
  assert.match(closed, /Connection: close\r\n\r\nOK$/);
  assert.equal(pingsOnPorch() - before, 2);
  const s = connect(path);
  const ended = new Promise<string>((resolve) => {
    let out = '';
    s.on('data', (c: Buffer) => { out += c.toString('latin1'); });
    s.on('close', () => resolve(out));
  });
  const moved = pingsOnPorch();
  for (const p of pingsInARow(3)) {
    s.write(p);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(pingsOnPorch() - moved, 1, 'the connection is on the porch');
  await close();
  assert.equal(answers(await ended).length, 3, 'an idle porch connection ends with the listener');
});

test('with debug logging every ping stays with the front door, traced as a job', async (t) => {
  const { path, jobs } = await serve(t, { porch: true, debug: true });
  const before = pingsOnPorch();
  assert.equal(answers(await exchange(path, pingsInARow(5), 300)).length, 5);
  assert.equal(pingsOnPorch(), before);
  assert.equal(jobs.ping, 5);
});

test('a reload that turns debug logging on calls the porch\'s connections back to the front door', async (t) => {
  const { path, jobs, listeners, listenLog } = await serve(t, { porch: true });
  const s = connect(path);
  let out = '';
  s.on('data', (c: Buffer) => { out += c.toString('latin1'); });
  t.after(() => s.destroy());
  const ping = async (): Promise<void> => {
    s.write(get('/_ping'));
    await new Promise((r) => setTimeout(r, 30));
  };
  for (let i = 0; i < 3; i++) await ping();
  const before = pingsOnPorch();
  await ping();
  assert.equal(pingsOnPorch() - before, 1, 'on the porch');
  listenLog.level = 'debug';
  listeners.reloaded();
  await new Promise((r) => setTimeout(r, 50));
  const jobsBefore = jobs.ping;
  for (let i = 0; i < 3; i++) await ping();
  assert.equal(jobs.ping - jobsBefore, 3, 'each ping traced as a job again');
  assert.equal(pingsOnPorch() - before, 1);
  assert.equal(answers(out).length, 7);
});

test('the porch closes a connection idle for node:http\'s 5 s, and answers a close before bytes that follow it', async (t) => {
  const { path } = await serve(t, { porch: true });
  // Bytes after the `Connection: close` ping are never answered, and do not reset the answer away.
  const before = pingsOnPorch();
  const closed = await exchange(path, [...pingsInARow(3), get('/_ping', 'Connection: close\r\n') + get('/_ping')], 3000);
  assert.equal(answers(closed).length, 4);
  assert.match(closed, /Connection: close\r\n\r\nOK$/);
  assert.equal(pingsOnPorch() - before, 2);
  const s = connect(path);
  s.on('data', () => undefined);
  let movedAt = 0;
  const closedAfter = new Promise<number>((resolve) => s.on('close', () => resolve(Date.now() - movedAt)));
  const moved = pingsOnPorch();
  for (const p of pingsInARow(3)) {
    s.write(p);
    await new Promise((r) => setTimeout(r, 20));
  }
  movedAt = Date.now();
  assert.equal(pingsOnPorch() - moved, 1, 'the porch, not the front door, holds it while idle');
  const ms = await closedAfter;
  assert.ok(ms > 4500 && ms < 7000, `closed ${ms} ms after its last ping`);
});
