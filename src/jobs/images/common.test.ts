import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiContainerConfig, goTime, unixOf } from './common.js';

test('times print as Go prints them after parsing', () => {
  assert.equal(goTime('2026-01-01T00:00:00.000Z'), '2026-01-01T00:00:00Z');
  assert.equal(goTime('2026-01-01T00:00:00.120000000Z'), '2026-01-01T00:00:00.12Z');
  assert.equal(goTime('2026-01-01T00:00:00.123456789123Z'), '2026-01-01T00:00:00.123456789Z');
  assert.equal(goTime('2026-01-01T02:00:00+02:00'), '2026-01-01T02:00:00+02:00');
  assert.equal(goTime('2026-01-01T00:00:00+00:00'), '2026-01-01T00:00:00Z');
  assert.equal(goTime(undefined), '0001-01-01T00:00:00Z');
  assert.equal(unixOf(undefined), -62135596800);
  assert.equal(unixOf('1970-01-01T00:00:01.9Z'), 1);
});

test('container configs get every Go field, omitempty ones only when set', () => {
  const c = apiContainerConfig({ Cmd: ['sh'], StopSignal: 'SIGTERM' });
  assert.deepEqual(Object.keys(c), ['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin',
    'StdinOnce', 'Env', 'Cmd', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels', 'StopSignal']);
  assert.equal(c.Env, null);
  assert.deepEqual(c.Cmd, ['sh']);
});
