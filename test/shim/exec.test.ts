/**
 * {"op":"exec"}: a process joined to a running container's namespaces, with its own
 * stdio session on the connection, its exit code kept by exec id.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { demux, openStream, request, start, until } from './harness.js';
import { DEFAULT_CAPS } from './spec.js';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function proc(args: string[], extra: Record<string, unknown> = {}) {
  return {
    terminal: false, user: { uid: 0, gid: 0 }, args, env: [PATH], cwd: '/',
    capabilities: { bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, permitted: DEFAULT_CAPS, inheritable: DEFAULT_CAPS, ambient: [] },
    ...extra,
  };
}

async function running(t: Parameters<typeof start>[0]) {
  const { container } = await start(t, { hostname: 'execbox', args: ['sleep', '1000'] });
  return container;
}

test('exec sees the container\'s hostname, pid namespace and filesystem; its exit code is kept', async (t) => {
  const c = await running(t);
  const s = await openStream(c, { op: 'exec', id: 'e1', process: proc(['sh', '-c', 'hostname; ls /proc | grep -c "^[0-9]"; cat /proc/1/cmdline; echo; echo err >&2; grep ^Seccomp /proc/self/status; exit 7']) });
  assert.equal(typeof s.reply.pid, 'number');
  const { stdout, stderr } = demux(await s.rest);
  const [host, nprocs, init, seccomp] = stdout.trim().split('\n');
  assert.equal(host, 'execbox');
  assert.ok(Number(nprocs) <= 4, `saw ${nprocs} processes`);
  assert.equal(init, 'sleep\u00001000\u0000');
  assert.match(seccomp ?? '', /Seccomp:\s+2/, 'the container\'s seccomp profile applies to execs');
  assert.equal(stderr, 'err\n');
  assert.deepEqual(await request(c, { op: 'exec-state', id: 'e1' }), { id: 'e1', pid: s.reply.pid, running: false, exitCode: 7 });
  assert.deepEqual(await request(c, { op: 'exec-state', id: 'nope' }), { error: 'No such exec instance' });
});

test('exec start errors: 127 for a missing command, 126 for a non-executable one', async (t) => {
  const c = await running(t);
  assert.deepEqual(await request(c, { op: 'exec', id: 'x1', process: proc(['nosuch']) }),
    { error: 'exec: "nosuch": executable file not found in $PATH', exitCode: 127 });
  assert.deepEqual(await request(c, { op: 'exec', id: 'x2', process: proc(['/etc/notexec']) }),
    { error: 'exec: "/etc/notexec": permission denied', exitCode: 126 });
  assert.equal((await request(c, { op: 'exec-state', id: 'x1' })).exitCode, 127);
  assert.deepEqual(await request(c, { op: 'exec', id: 'x3', process: proc(['true'], { cwd: '/nope' }) }),
    { error: 'chdir to cwd ("/nope") set in config.json failed: no such file or directory', exitCode: 126 });
});

test('exec with stdin, user, env and workdir', async (t) => {
  const c = await running(t);
  const s = await openStream(c, {
    op: 'exec', id: 'e2', stdin: true,
    process: proc(['sh', '-c', 'id -u; pwd; echo $FOO; cat'], { user: { uid: 65534, gid: 65534 }, env: [PATH, 'FOO=bar'], cwd: '/tmp' }),
  });
  s.sock.end('from stdin\n');
  const { stdout } = demux(await s.rest);
  assert.equal(stdout, '65534\n/tmp\nbar\nfrom stdin\n');
  assert.equal((await request(c, { op: 'exec-state', id: 'e2' })).exitCode, 0);
});

test('exec with a tty, and detached exec', async (t) => {
  const c = await running(t);
  const s = await openStream(c, { op: 'exec', id: 't1', stdin: true, process: proc(['sh', '-c', 'tty; stty size; read x; echo got=$x'], { terminal: true, consoleSize: { width: 90, height: 20 } }) });
  await until(() => s.data().toString().includes('20 90'), 'stty size');
  s.sock.write('yo\r');
  const out = (await s.rest).toString();
  assert.match(out, /\/dev\/pts\/\d+\r\n20 90\r\n/);
  assert.match(out, /got=yo\r\n/);
  assert.equal((await request(c, { op: 'exec-state', id: 't1' })).exitCode, 0);

  const d = await request(c, { op: 'exec', id: 'd1', detach: true, process: proc(['sh', '-c', 'sleep 0.2; exit 4']) });
  assert.equal(typeof d.pid, 'number');
  assert.equal((await request(c, { op: 'exec-state', id: 'd1' })).running, true);
  await sleep(600);
  assert.deepEqual(await request(c, { op: 'exec-state', id: 'd1' }), { id: 'd1', pid: d.pid, running: false, exitCode: 4 });
});

test('exec into a stopped container is refused', async (t) => {
  const c = await running(t);
  await request(c, { op: 'kill', signal: 9 });
  await request(c, { op: 'wait' });
  assert.deepEqual(await request(c, { op: 'exec', id: 'z', process: proc(['true']) }), { error: 'container is not running', exitCode: 126 });
});

test('no descriptor of the shim leaks into the container or an exec; the shim keeps none per finished exec', async (t) => {
  const { container: c } = await start(t, { args: ['sh', '-c', 'ls /proc/self/fd > /tmp/fds; sleep 1000'] });
  const fdsOfShim = () => readdirSync(`/proc/${c.shimPid}/fd`).length;
  const s0 = await openStream(c, { op: 'exec', id: 'f0', process: proc(['sh', '-c', 'cat /tmp/fds; ls /proc/self/fd']) });
  const { stdout } = demux(await s0.rest);
  // the init: 0 1 2 and ls's own directory fd; the exec likewise.
  assert.deepEqual(stdout.trim().split('\n'), ['0', '1', '2', '3', '0', '1', '2', '3']);
  const before = fdsOfShim();
  for (let i = 0; i < 5; i++) {
    const s = await openStream(c, { op: 'exec', id: `n${i}`, stdin: true, process: proc(['true']) });
    s.sock.end();
    await s.rest;
  }
  await request(c, { op: 'exec', id: 'tty', process: proc(['true'], { terminal: true }), detach: true });
  await sleep(200);
  assert.equal(fdsOfShim(), before);
});
