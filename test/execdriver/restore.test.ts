/**
 * The daemon dies with SIGKILL while containers run: they keep running and logging
 * under their shims, and a new driver instance re-attaches or reads how they ended.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createNativeDriver } from '../../src/drivers/execdriver/native/index.js';
import { demux, isAlive, log, logPath, logText, newId, run, setup, until, type Env } from './harness.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'daemon-child.js');

/** Starts a container from a child process that then dies of SIGKILL. */
async function startInDoomedDaemon(env: Env, args: string[], stdin = false): Promise<{ id: string; pid: number }> {
  const id = newId();
  env.ids.add(id);
  const child = spawn(process.execPath, [CHILD, env.execRoot, env.parent, join(env.dir, 'rootfs'), id, stdin ? '1' : '0', JSON.stringify(args), logPath(env, id)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const how = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
  assert.equal(how, 'SIGKILL', `the stand-in daemon died of SIGKILL (stdout: ${out})`);
  return { id, pid: (JSON.parse(out) as { pid: number }).pid };
}

const shimPidOf = (env: Env, id: string): number => (JSON.parse(readFileSync(join(env.driver.bundleDir(id), 'berth.json'), 'utf8')) as { shimPid: number }).shimPid;

function shimRequest(sock: string, req: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(sock);
    let buf = '';
    s.on('data', (d) => { buf += d.toString(); if (buf.includes('\n')) { s.destroy(); resolve(buf.trim()); } });
    s.on('error', reject);
    s.write(JSON.stringify(req) + '\n');
  });
}

test('after the daemon is SIGKILLed the container runs on, and a new driver restores it', async (t) => {
  const env = await setup(t);
  const { id, pid } = await startInDoomedDaemon(env, ['sh', '-c', 'trap "exit 143" TERM; while true; do echo tick; sleep 0.1; done']);
  assert.ok(isAlive(pid), 'the container outlived its daemon');
  const lines = logText(logPath(env, id)).length;
  await until(() => logText(logPath(env, id)).length > lines, 'logging with no daemon');

  const driver = await createNativeDriver({ execRoot: env.execRoot, log, cgroupParent: env.parent });
  assert.deepEqual(await driver.list(), [id]);
  const h = await driver.restore(id);
  assert.ok(h);
  env.handles.push(h);
  assert.equal(h.pid, pid);
  assert.match(h.startedAt, /^\d{4}-/);
  assert.ok((await h.top()).includes(pid));

  const s = await h.attach({ stdin: false, stdout: true, stderr: true });
  let got = Buffer.alloc(0);
  s.on('data', (d: Buffer) => { got = Buffer.concat([got, d]); });
  await until(() => demux(got).stdout.includes('tick\n'), 'attached output');

  const proc = JSON.parse(readFileSync(join(driver.bundleDir(id), 'config.json'), 'utf8')).process;
  const e = await h.exec({ id: 'after-restart', process: { ...proc, args: ['sh', '-c', 'exit 9'] }, stdin: false, detach: false });
  e.stream!.resume();
  assert.deepEqual(await e.wait(), { exitCode: 9 });

  await h.signal(15);
  const st = await h.wait();
  assert.equal(st.exitCode, 143);
  assert.equal(st.oomKilled, false);
  await h.cleanup();
  assert.ok(!isAlive(shimPidOf(env, id)), 'shim gone after cleanup');
});

test('an exit that happened while the daemon was down is read from exit.json', async (t) => {
  const env = await setup(t);
  const { id, pid } = await startInDoomedDaemon(env, ['sh', '-c', 'sleep 0.3; echo done; exit 7']);
  const bundle = env.driver.bundleDir(id);
  await until(() => existsSync(join(bundle, 'exit.json')), 'exit.json');
  assert.ok(!isAlive(pid));
  // The shim leaves (its grace period over, here asked to); only the file remains.
  const shimPid = shimPidOf(env, id);
  // The short alias the driver gives the shim when the bundle path is too long for a socket.
  const alias = join(env.execRoot, 's', id.slice(0, 16), 'shim.sock');
  const sock = existsSync(alias) ? alias : join(bundle, 'shim.sock');
  assert.equal(await shimRequest(sock, { op: 'release' }), '{"ok":true}');
  await until(() => !isAlive(shimPid), 'the shim leaving');

  const driver = await createNativeDriver({ execRoot: env.execRoot, log, cgroupParent: env.parent });
  const h = await driver.restore(id);
  assert.ok(h);
  env.handles.push(h);
  const st = await h.wait();
  assert.equal(st.exitCode, 7);
  assert.equal(st.signal, null);
  assert.match(st.finishedAt, /^\d{4}-/);
  assert.equal(logText(logPath(env, id)), 'done\n');
  await h.signal(15); // nothing to signal: no error
  await h.cleanup();
  await driver.remove(id);
  assert.deepEqual(await driver.list(), []);
  assert.ok(!existsSync(join(env.execRoot, 's', id.slice(0, 16))), 'socket alias removed too');
  assert.equal(await driver.restore(id), null, 'nothing left after remove');
  assert.equal(await driver.restore(newId()), null, 'never started');
});

test('a wait whose shim dies falls back to the init and reports the lost exit as 255', async (t) => {
  const env = await setup(t);
  const { id, h } = await run(env, { args: ['sleep', '100'] });
  const waiting = h.wait();
  const shimPid = shimPidOf(env, id);
  process.kill(shimPid, 'SIGKILL');
  await until(() => !isAlive(shimPid), 'shim killed');
  assert.ok(isAlive(h.pid), 'the init outlives its shim');
  await h.signal(9); // no shim to ask: the driver signals the init itself
  const st = await waiting;
  assert.equal(st.exitCode, 255);
  assert.ok(!isAlive(h.pid));
});
