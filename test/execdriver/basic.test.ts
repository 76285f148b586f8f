/** Starting containers through the native driver: log, exit codes, start failures. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { StartFailed } from '../../src/drivers/execdriver/types.js';
import { isAlive, logPath, logText, newId, run, setup, spec } from './harness.js';

test('echo lands in the json-file log and wait gives exit code 0', async (t) => {
  const env = await setup(t);
  const { id, h } = await run(env, { args: ['sh', '-c', 'echo hello; echo oops >&2'] });
  assert.ok(h.pid > 0);
  assert.match(h.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
  const st = await h.wait();
  assert.equal(st.exitCode, 0);
  assert.equal(st.oomKilled, false);
  assert.match(st.finishedAt, /^\d{4}-\d\d-\d\dT/);
  assert.equal(logText(logPath(env, id), 'stdout'), 'hello\n');
  assert.equal(logText(logPath(env, id), 'stderr'), 'oops\n');
  await h.cleanup();
  await h.cleanup(); // idempotent
  assert.ok(!existsSync(`${env.driver.bundleDir(id)}/shim.sock`), 'released shim removed its socket');
  await env.driver.remove(id);
  assert.ok(!existsSync(env.driver.bundleDir(id)));
});

test('exit code and signal deaths come back from wait', async (t) => {
  const env = await setup(t);
  const { h } = await run(env, { args: ['sh', '-c', 'exit 42'] });
  assert.equal((await h.wait()).exitCode, 42);
  const { h: h2 } = await run(env, { args: ['sleep', '100'] });
  await h2.signal(9);
  const st = await h2.wait();
  assert.equal(st.exitCode, 137);
  assert.equal(st.signal, 9);
  await h2.signal(15); // after the exit: no error
});

test('a missing command fails the start with 127 and dockerd\'s message, leaving nothing behind', async (t) => {
  const env = await setup(t);
  const id = newId();
  env.ids.add(id);
  await assert.rejects(
    env.driver.start({ id, spec: spec(env, id, { args: ['nosuch'] }), resources: {}, logPath: logPath(env, id), stdin: false, stdinOnce: false }),
    (err: unknown) => {
      assert.ok(err instanceof StartFailed);
      assert.equal(err.exitCode, 127);
      assert.equal(err.kind, 'invalid_parameter');
      assert.equal(err.message, 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown');
      return true;
    });
  assert.ok(!existsSync(env.driver.bundleDir(id)), 'bundle removed');
  await assert.rejects(
    env.driver.start({ id, spec: spec(env, id, { args: ['/etc/notexec'] }), resources: {}, logPath: logPath(env, id), stdin: false, stdinOnce: false }),
    (err: unknown) => err instanceof StartFailed && err.exitCode === 126 && /permission denied/.test(err.message));
});

test('beforeStart runs on the live init before the command, which runs in the container\'s cgroup', async (t) => {
  const env = await setup(t);
  let ran = false;
  const { id, h } = await run(env, { args: ['cat', '/proc/self/cgroup'] }, {
    beforeStart: async (pid) => {
      assert.ok(isAlive(pid));
      // The init still waits to exec: its command is not the one asked for yet.
      assert.doesNotMatch((await import('node:fs')).readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /^cat\0/);
      ran = true;
    },
  });
  assert.equal((await h.wait()).exitCode, 0);
  assert.ok(ran);
  assert.match(logText(logPath(env, id)), new RegExp(`:memory:.*/${env.parent}/${id}\n`));
});

test('a failing beforeStart aborts the start and cleans up', async (t) => {
  const env = await setup(t);
  const id = newId();
  env.ids.add(id);
  await assert.rejects(env.driver.start({
    id, spec: spec(env, id, { args: ['echo', 'never'] }), resources: {}, logPath: logPath(env, id), stdin: false, stdinOnce: false,
    beforeStart: () => Promise.reject(new Error('veth refused')),
  }), /veth refused/);
  assert.ok(!existsSync(env.driver.bundleDir(id)));
  assert.equal(logText(logPath(env, id)), '');
});

test('starting a container again reuses its bundle: the previous run\'s shim is released, its exit forgotten', async (t) => {
  const env = await setup(t);
  const { id, h } = await run(env, { args: ['sh', '-c', 'exit 3'] });
  assert.equal((await h.wait()).exitCode, 3);
  const { readFileSync } = await import('node:fs');
  const firstShim = (JSON.parse(readFileSync(`${env.driver.bundleDir(id)}/berth.json`, 'utf8')) as { shimPid: number }).shimPid;
  // No cleanup of the first run: the driver must retire its shim itself.
  const { h: again } = await run(env, { args: ['sh', '-c', 'sleep 0.2; exit 4'] }, { id });
  assert.ok(!isAlive(firstShim), 'first shim released');
  assert.equal((await again.wait()).exitCode, 4);
  await assert.rejects(run(env, { args: ['sleep', '100'] }, { id }).then(async ({ h: h3 }) => {
    await run(env, { args: ['true'] }, { id });
    await h3.cleanup();
  }), { kind: 'conflict' });
});
