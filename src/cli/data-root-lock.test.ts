import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataRoot, unlockDataRoot } from './data-root-lock.js';

function root(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function startOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

test('a live holder keeps another daemon out; a lock of a process that is gone does not', (t) => {
  const dir = root(t);
  lockDataRoot(dir, process.pid);
  assert.throws(() => lockDataRoot(dir, 999_999_999), /in use by another berth daemon \(pid \d+\)/);
  unlockDataRoot(dir, process.pid);
  writeFileSync(join(dir, 'berth.lock'), '999999999 12345\n');
  lockDataRoot(dir, process.pid);
  assert.equal(readFileSync(join(dir, 'berth.lock'), 'utf8').split(' ')[0], String(process.pid));
});

test('a holder that is a zombie (killed, not yet reaped) is gone', async (t) => {
  const dir = root(t);
  // The shell's background child dies after 0.3 s; its parent then execs sleep, which
  // never reaps it: a zombie for the rest of that sleep.
  const sh = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => sh.kill('SIGKILL'));
  const pid = Number(await new Promise<string>((resolve) => sh.stdout.once('data', (c: Buffer) => resolve(c.toString().trim()))));
  writeFileSync(join(dir, 'berth.lock'), `${pid} ${startOf(pid)}\n`);
  assert.throws(() => lockDataRoot(dir, process.pid), /in use/, 'alive, it holds the root');
  for (let i = 0; i < 50 && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(readFileSync(`/proc/${pid}/stat`, 'utf8'), /\) Z /);
  lockDataRoot(dir, process.pid);
});
