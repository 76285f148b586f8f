/**
 * The json-file log written by the shim: long lines, rotation, and the exit record
 * left for a daemon that was not there when the container exited.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, logRecords, run, start } from './harness.js';

test('a line longer than 16 KiB is split into 16 KiB records, the last one keeps the newline', async (t) => {
  // 40000 "a"s and a newline, then a tail without one.
  const { c, code } = await run(t, { args: ['sh', '-c', 'head -c 40000 /dev/zero | tr "\\0" a; echo; printf tail'] });
  assert.equal(code, 0);
  const recs = logRecords(c);
  const lens = recs.map((r) => r.log.length);
  assert.deepEqual(lens, [16384, 16384, 40000 - 2 * 16384 + 1, 4]);
  assert.equal(recs[2]!.log.endsWith('a\n'), true);
  assert.equal(recs[1]!.log.endsWith('\n'), false);
  assert.equal(recs[3]!.log, 'tail');
});

test('rotation: --log-max-size and --log-max-files as dockerd\'s max-size/max-file', async (t) => {
  const { c, code } = await run(t, {
    extraArgs: ['--log-max-size', '1000', '--log-max-files', '3'],
    args: ['sh', '-c', 'i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done'],
  });
  assert.equal(code, 0);
  assert.ok(existsSync(`${c.log}.1`) && existsSync(`${c.log}.2`) && !existsSync(`${c.log}.3`));
  const all = [`${c.log}.2`, `${c.log}.1`, c.log].flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean))
    .map((l) => (JSON.parse(l) as { log: string }).log.trim());
  // The newest records survive, in order, up to the last line.
  assert.equal(all.at(-1), 'line-199');
  const first = Number(all[0]!.slice(5));
  assert.deepEqual(all, Array.from({ length: 200 - first }, (_, i) => `line-${first + i}`));
  for (const f of [`${c.log}.1`, `${c.log}.2`]) assert.ok(readFileSync(f).length >= 1000 && readFileSync(f).length < 1100);
});

test('with nobody connected, the exit is on disk and the shim leaves after the grace period', async (t) => {
  const { container: c } = await start(t, { grace: 1, args: ['sh', '-c', 'exit 5'] });
  await sleep(300);
  assert.equal(JSON.parse(readFileSync(join(c.bundle, 'exit.json'), 'utf8')).exitCode, 5);
  for (let i = 0; i < 50 && isAlive(c.shimPid); i++) await sleep(50);
  assert.equal(isAlive(c.shimPid), false);
  assert.equal(existsSync(c.sock), false);
  assert.equal(existsSync(join(c.bundle, 'shim.pid')), false);
});
