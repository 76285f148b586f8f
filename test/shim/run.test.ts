/**
 * berth-shim start: the SYNC handshake, output in the json-file log, exit codes and
 * start errors as dockerd reports them, exit.json, and the basic namespaces.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { logRecords, request, run, start, waitExit } from './harness.js';

test('echo lands in the json-file log, one record per line, with dockerd\'s shape', async (t) => {
  const { c, code } = await run(t, { args: ['sh', '-c', 'echo hello; echo "<b>&\\"q\\"" >&2; printf partial'] });
  assert.equal(code, 0);
  const recs = logRecords(c);
  assert.deepEqual(recs.map((r) => [r.stream, r.log]), [['stdout', 'hello\n'], ['stderr', '<b>&"q"\n'], ['stdout', 'partial']]);
  for (const r of recs) assert.match(r.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
  // Go's encoder escapes <, > and & — the raw file must read the same as dockerd's.
  assert.match(readFileSync(c.log, 'utf8'), /"log":"\\u003cb\\u003e\\u0026\\"q\\"\\n","stream":"stderr","time":"/);
});

test('exit codes propagate and exit.json is written atomically', async (t) => {
  const { c, code } = await run(t, { args: ['sh', '-c', 'exit 3'] });
  assert.equal(code, 3);
  const exit = JSON.parse(readFileSync(join(c.bundle, 'exit.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(exit.exitCode, 3);
  assert.equal(exit.signal, null);
  assert.equal(exit.oomKilled, false);
  assert.match(String(exit.finishedAt), /Z$/);
  const st = await request(c, { op: 'state' });
  assert.equal(st.status, 'exited');
  assert.equal(st.exitCode, 3);
  assert.equal((await run(t, { args: ['true'] })).code, 0);
});

test('a missing command fails the start with 127 and dockerd\'s message', async (t) => {
  const { reply } = await start(t, { args: ['nosuch'] });
  assert.deepEqual(reply, { error: 'exec: "nosuch": executable file not found in $PATH', exitCode: 127 });
  const abs = await start(t, { args: ['/nosuch'] });
  assert.equal(abs.reply.exitCode, 127);
  assert.equal(abs.reply.error, 'exec: "/nosuch": stat /nosuch: no such file or directory');
});

test('a non-executable command fails the start with 126', async (t) => {
  const { reply } = await start(t, { args: ['/etc/notexec'] });
  assert.deepEqual(reply, { error: 'exec: "/etc/notexec": permission denied', exitCode: 126 });
});

test('a bad working directory is reported', async (t) => {
  const { reply } = await start(t, { args: ['true'], cwd: '/nowhere' });
  assert.equal(reply.error, 'chdir to cwd ("/nowhere") set in config.json failed: no such file or directory');
});

test('an unsupported spec field is refused by name', async (t) => {
  const { reply } = await start(t, { args: ['true'], namespaces: [{ type: 'user' }, { type: 'mount' }] });
  assert.equal(reply.error, 'config.json: namespace type user is not supported by berth-shim');
});

test('the container has its own hostname, pid 1 and no host processes', async (t) => {
  const { out, code } = await run(t, {
    hostname: 'box1',
    args: ['sh', '-c', 'hostname; echo pid=$$; ls /proc | grep -c "^[0-9]"; ps -o pid,comm | wc -l'],
  });
  assert.equal(code, 0);
  const [h, pid, nprocs, psLines] = out.trim().split('\n');
  assert.equal(h, 'box1');
  assert.notEqual(hostname(), 'box1');
  assert.equal(pid, 'pid=1');
  // sh, ls and grep at most: the host's hundreds of processes are invisible.
  assert.ok(Number(nprocs) <= 3, `saw ${nprocs} processes`);
  assert.ok(Number(psLines) <= 5, `ps printed ${psLines} lines`);
});

test('the daemon runs between {"pid"} and "go": nothing starts before', async (t) => {
  let seen = '';
  const { container: c, reply } = await start(t, {
    args: ['sh', '-c', 'echo ran'],
    beforeGo: async (pid) => {
      // The init exists (the daemon would write it into cgroup.procs now) but has not run.
      seen = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    },
  });
  assert.deepEqual(reply, { started: true });
  assert.match(seen, /berth-shim\0start/, 'the init had not exec\'d the command yet');
  assert.equal((await waitExit(c)).exitCode, 0);
});
