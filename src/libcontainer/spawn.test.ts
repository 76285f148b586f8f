import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { spawnShim, waitPid } from './native.js';

/** Everything a socket gives until its end. */
function drain(fd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = new Socket({ fd, readable: true, writable: false });
    let out = '';
    s.setEncoding('utf8').on('data', (d: string) => { out += d; }).on('error', reject).on('close', () => resolve(out));
  });
}

test('spawnShim: fd 3 and stderr come back as our ends, stdin is /dev/null, a new session, default signals, reaped by waitPid', async () => {
  const script = 'read x || echo "eof" >&3; echo "$$ $(cut -d" " -f6 /proc/$$/stat)" >&3; grep -E "^Sig(Blk|Ign)" /proc/self/status >&3; echo oops >&2; exit 7';
  const child = await spawnShim('/bin/sh', ['sh', '-c', script]);
  const [sync, err, status] = await Promise.all([drain(child.sync), drain(child.stderr), waitPid(child.pid)]);
  const [eof, ids, blocked, ignored] = sync.trim().split('\n');
  // Nothing blocked or ignored, glibc's internal signals (32, 33) included: it survives exec.
  assert.equal(blocked, 'SigBlk:\t0000000000000000');
  assert.equal(ignored, 'SigIgn:\t0000000000000000');
  assert.equal(eof, 'eof');
  const [pid, session] = ids!.split(' ').map(Number);
  assert.equal(pid, child.pid);
  assert.equal(session, child.pid, 'the child leads a session of its own');
  assert.equal(err, 'oops\n');
  assert.equal(status >> 8, 7);
});

test('spawnShim of a missing binary fails with ENOENT and leaves nothing open', async () => {
  await assert.rejects(spawnShim('/nonexistent/berth-shim', ['x']), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.syscall === 'posix_spawn');
});
