import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimPidfile, releasePidfile } from './pidfile.js';

function tempDir(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('claim writes our pid; release removes only our own file', (t) => {
  const path = join(tempDir(t), 'run', 'berth.pid');
  claimPidfile(path);
  assert.equal(readFileSync(path, 'utf8'), String(process.pid));
  releasePidfile(path, process.pid + 1);
  assert.ok(existsSync(path));
  releasePidfile(path);
  assert.ok(!existsSync(path));
});

test('a live berth process in the pidfile blocks; a dead or unrelated pid does not', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'berth.pid');
  // A live process whose command line names berth, like a running daemon.
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'berth-holder'], { stdio: 'ignore' });
  t.after(() => { holder.kill('SIGKILL'); });
  await new Promise((r) => holder.once('spawn', r));
  writeFileSync(path, String(holder.pid));
  assert.throws(() => claimPidfile(path), { message: `failed to start daemon: pid file found, ensure berth is not running or delete ${path}` });

  // A live process that is not berth (a reused pid) does not block.
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => { other.kill('SIGKILL'); });
  await new Promise((r) => other.once('spawn', r));
  writeFileSync(path, String(other.pid));
  claimPidfile(path);
  assert.equal(readFileSync(path, 'utf8'), String(process.pid));

  // A dead pid does not block either.
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  writeFileSync(path, String(holder.pid));
  claimPidfile(path);
});
