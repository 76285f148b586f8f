import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, socketGroup } from './listeners.js';

const hello = (_req: unknown, res: import('node:http').ServerResponse) => { res.end('hi'); };

function tmp(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-listen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function get(opts: { socketPath: string } | { host: string; port: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ ...opts, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a unix socket is 0660, owned by root and the berth/docker group, and removed on close', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'sub', 'b.sock');
  // As dockerd, a socket's directory is not made: missing, the start fails.
  await assert.rejects(listen(hello, [`unix://${path}`]), { message: `failed to load listeners: can't create unix socket ${path}: listen unix ${path}: bind: no such file or directory` });
  mkdirSync(join(dir, 'sub'));
  const l = await listen(hello, [`unix://${path}`]);
  t.after(() => l.close());
  const st = statSync(path);
  assert.equal(st.mode & 0o777, 0o660);
  assert.equal(st.uid, 0);
  assert.equal(st.gid, socketGroup('/etc/group'));
  assert.deepEqual(l.addresses, [`unix://${path}`]);
  assert.equal(await get({ socketPath: path }), 'hi');
  await l.close();
  assert.equal(existsSync(path), false);
});

test('the socket group is berth, else docker, else root', (t) => {
  const dir = tmp(t);
  const f = join(dir, 'group');
  writeFileSync(f, 'root:x:0:\ndocker:x:106:\nberth:x:990:\n');
  assert.equal(socketGroup(f), 990);
  writeFileSync(f, 'root:x:0:\ndocker:x:106:\n');
  assert.equal(socketGroup(f), 106);
  writeFileSync(f, 'root:x:0:\n');
  assert.equal(socketGroup(f), 0);
  assert.equal(socketGroup(join(dir, 'missing')), 0);
});

test('a live daemon on the socket is not displaced; a stale socket file is replaced', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'b.sock');
  const other = createNetServer(() => {}).listen(path);
  await new Promise((r) => other.once('listening', r));
  await assert.rejects(listen(hello, [`unix://${path}`]), /address already in use/);
  assert.equal(existsSync(path), true, 'the live socket is left alone');
  await new Promise<void>((r) => other.close(() => r()));
  rmSync(path, { force: true });
  // A daemon killed with SIGKILL leaves its socket file behind with nobody listening.
  const { spawnSync } = await import('node:child_process');
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.equal(existsSync(path), true, 'a stale socket file exists');
  const l = await listen(hello, [`unix://${path}`]);
  t.after(() => l.close());
  assert.equal(await get({ socketPath: path }), 'hi');
});

test('plain TCP off loopback is refused unless insisted on; loopback serves', async (t) => {
  await assert.rejects(listen(hello, ['tcp://0.0.0.0:0']), /--insecure-tcp/);
  await assert.rejects(listen(hello, ['tcp://:0']), /--insecure-tcp/);
  const l = await listen(hello, ['tcp://127.0.0.1:0']);
  t.after(() => l.close());
  const port = Number(/:(\d+)$/.exec(l.addresses[0]!)![1]);
  assert.ok(port > 0);
  assert.equal(await get({ host: '127.0.0.1', port }), 'hi');
  const warned: string[] = [];
  const log = { warn: (m: string) => { warned.push(m); } } as unknown as import('../engine/log.js').Logger;
  const open = await listen(hello, ['tcp://0.0.0.0:0'], { insecureTcp: true, log });
  t.after(() => open.close());
  assert.match(warned[0] ?? '', /without encryption/);
});

test('bad addresses fail before anything is opened', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'b.sock');
  await assert.rejects(listen(hello, [`unix://${path}`, 'foo']), { message: 'Invalid bind address format: foo' });
  assert.equal(existsSync(path), false);
});

test('fd:// without systemd socket activation says so', async () => {
  await assert.rejects(listen(hello, ['fd://']), /no sockets found via socket activation/);
});
