/**
 * The control socket: kill and wait, attach with stdcopy frames and stdin, the tty and
 * its resize, life after the daemon (the shim's parent) dies, and the shim's memory.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { demux, isAlive, logText, openStream, prepare, request, shimArgs, shimBinary, start, until, waitExit } from './harness.js';

test('kill: SIGKILL gives 137 and signal 9; a TERM handler\'s exit code is kept', async (t) => {
  const { container: c } = await start(t, { args: ['sleep', '100'] });
  assert.equal((await request(c, { op: 'state' })).status, 'running');
  const waiter = waitExit(c);
  assert.deepEqual(await request(c, { op: 'kill', signal: 9 }), { ok: true });
  const st = await waiter;
  assert.equal(st.exitCode, 137);
  assert.equal(st.signal, 9);
  const exit = JSON.parse(readFileSync(join(c.bundle, 'exit.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(exit.exitCode, 137);
  assert.deepEqual(await request(c, { op: 'kill', signal: 9 }), { error: 'container is not running' });

  const term = await start(t, { args: ['sh', '-c', 'trap "exit 143" TERM; echo ready; while true; do sleep 0.1; done'] });
  await until(() => logText(term.container).includes('ready'), 'the trap');
  await request(term.container, { op: 'kill', signal: 15 });
  assert.equal((await waitExit(term.container)).exitCode, 143);
});

test('attach: stdcopy frames out, stdin in, stdin closed with the client (StdinOnce)', async (t) => {
  const { container: c } = await start(t, { stdin: true, stdinOnce: true, args: ['sh', '-c', 'cat; echo done >&2'] });
  const a = await openStream(c, { op: 'attach', stdin: true, stdout: true, stderr: true });
  assert.deepEqual(a.reply, { ok: true });
  a.sock.end('line one\nline two\n');
  const { stdout, stderr } = demux(await a.rest);
  assert.equal(stdout, 'line one\nline two\n');
  assert.equal(stderr, 'done\n');
  assert.equal((await waitExit(c)).exitCode, 0);
  assert.equal(logText(c, 'stdout'), 'line one\nline two\n');
  assert.deepEqual(await request(c, { op: 'attach', stdout: true }), { error: 'You cannot attach to a stopped container, start it first' });
});

test('tty: a pty owned by the shim, the slave as ctty and /dev/console, resize', async (t) => {
  let attached: Awaited<ReturnType<typeof openStream>> | undefined;
  const { container: c, reply } = await start(t, {
    terminal: true, stdin: true, consoleSize: { width: 80, height: 24 },
    args: ['sh', '-c', 'tty; stty size; ls /dev/console; read x; stty size; echo got=$x'],
    // As `docker run -t` does: attach before the command runs, so no output is missed.
    beforeGo: async (_pid, ctr) => {
      attached = await openStream(ctr, { op: 'attach', stdin: true, stdout: true, stderr: true });
      assert.equal((await request(ctr, { op: 'state' })).status, 'created');
    },
  });
  assert.deepEqual(reply, { started: true });
  const a = attached!;
  await until(() => a.data().toString().includes('24 80'), 'the first stty size');
  assert.deepEqual(await request(c, { op: 'resize', width: 100, height: 30 }), { ok: true });
  a.sock.write('hi\r');
  const out = (await a.rest).toString();
  assert.match(out, /\/dev\/pts\/0\r\n24 80\r\n\/dev\/console\r\n/);
  assert.match(out, /30 100\r\ngot=hi\r\n/);
  assert.equal(out.includes('\x01\x00\x00\x00'), false, 'raw bytes, no stdcopy header');
  assert.match(logText(c, 'stdout'), /got=hi\r\n/);
  assert.equal(logText(c, 'stderr'), '');
});

test('the shim outlives its parent; a new connection gets the state; logging goes on', async (t) => {
  const c = prepare(t, { args: ['sh', '-c', 'while true; do echo tick; sleep 0.1; done'] });
  // A throwaway "daemon": starts the shim, does the handshake, prints the pids, exits.
  const script = join(c.dir, 'daemon.mjs');
  writeFileSync(script, `
    import { spawn } from 'node:child_process';
    const child = spawn(${JSON.stringify(shimBinary())}, ${JSON.stringify(shimArgs(c, {}))},
      { stdio: ['ignore', 'ignore', 'inherit', 'pipe'], detached: true });
    let buf = '';
    child.stdio[3].on('data', (d) => {
      buf += d;
      if (buf.includes('"pid"') && !buf.includes('go-sent')) { buf += 'go-sent'; child.stdio[3].write('go\\n'); }
      if (buf.includes('"started"')) { console.log(buf.split('\\n')[0]); process.exit(0); }
    });`);
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 0, r.stderr);
  c.initPid = (JSON.parse(r.stdout.split('\n')[0]!) as { pid: number }).pid;
  c.shimPid = Number(readFileSync(join(c.bundle, 'shim.pid'), 'utf8'));
  assert.ok(isAlive(c.shimPid));
  const stat = readFileSync(`/proc/${c.shimPid}/stat`, 'utf8').slice(readFileSync(`/proc/${c.shimPid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
  assert.equal(stat[3], String(c.shimPid), 'the shim leads its own session');
  const st = await request(c, { op: 'state' });
  assert.equal(st.status, 'running');
  assert.equal(st.pid, c.initPid);
  const before = logText(c).length;
  await sleep(400);
  assert.ok(logText(c).length > before, 'the log keeps growing');
  await request(c, { op: 'kill', signal: 9 });
  assert.equal((await waitExit(c)).exitCode, 137);
});

test('memory: the shim of a running container stays well under 1 MiB of its own memory', async (t) => {
  const { container: c } = await start(t, { args: ['sh', '-c', 'while true; do echo tick; sleep 0.05; done'] });
  await sleep(300);
  const status = readFileSync(`/proc/${c.shimPid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${c.shimPid}/smaps_rollup`, 'utf8');
  const kb = (text: string, key: string) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1]);
  // The shim is linked statically: its text pages are file-backed and shared by every
  // shim (one running here counts them as private). What each shim adds on its own is
  // its dirty memory: heap, stack, data.
  const own = kb(rollup, 'Private_Dirty');
  t.diagnostic(`shim VmRSS ${kb(status, 'VmRSS')} kB, Pss ${kb(rollup, 'Pss')} kB, private dirty ${own} kB`);
  assert.ok(own < 1024, `private dirty memory ${own} kB`);
  assert.ok(kb(status, 'VmRSS') < 2048, `RSS ${kb(status, 'VmRSS')} kB`);
  await request(c, { op: 'kill', signal: 9 });
  await waitExit(c);
});

for (const terminal of [false, true]) {
  test(`a container that never reads stdin does not stall the shim (${terminal ? 'tty' : 'pipe'})`, async (t) => {
    const { container: c } = await start(t, { terminal, stdin: true, args: ['sleep', '1000'] });
    const a = await openStream(c, { op: 'attach', stdin: true, stdout: true, stderr: true });
    a.sock.write(Buffer.alloc(1 << 20, 'x'));
    await sleep(300);
    const t0 = Date.now();
    assert.equal((await request(c, { op: 'state' })).status, 'running');
    assert.ok(Date.now() - t0 < 3000, `state took ${Date.now() - t0} ms`);
    a.sock.destroy();
    await request(c, { op: 'kill', signal: 9 });
    assert.equal((await waitExit(c)).exitCode, 137);
  });
}
