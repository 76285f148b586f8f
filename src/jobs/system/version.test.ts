import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { defaultConfig } from '../../engine/config.js';
import { Engine } from '../../engine/engine.js';
import { createLogger } from '../../engine/log.js';
import { Store } from '../../engine/store.js';
import type { JobContext } from '../context.js';
import { daemonId } from './daemon-id.js';
import { goTime } from './build.js';
import { cgroupVersion } from './host.js';
import { systemJobs } from './index.js';

test('/version reports the API range and the host, with Go-style names', async () => {
  const engine = new Engine({ config: { ...defaultConfig } } as unknown as JobContext, createLogger('error'));
  engine.install(systemJobs);
  const v = await engine.job('system_version', {});
  assert.equal(v.ApiVersion, '1.41');
  assert.equal(v.MinAPIVersion, '1.12');
  assert.equal(v.Os, 'linux');
  assert.equal(v.Arch, process.arch === 'x64' ? 'amd64' : v.Arch);
  assert.equal(v.KernelVersion, os.release());
  assert.match(v.BuildTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+00:00$/);
  assert.match(v.GitCommit, /^([0-9a-f]{7}|unknown)$/);
  assert.equal(v.Components[0]!.Name, 'Engine');
  assert.equal(v.Components[0]!.Details.ApiVersion, '1.41');
});

test('the daemon ID is made once and then read back', () => {
  const store = Store.memory();
  const id = daemonId(store);
  assert.match(id, /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  assert.equal(daemonId(store), id);
  assert.notEqual(daemonId(Store.memory()), id);
});

test('Go time format and cgroup version detection', () => {
  assert.equal(goTime(new Date('2026-05-07T21:09:36.123Z')), '2026-05-07T21:09:36.123000000+00:00');
  assert.equal(cgroupVersion(), existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1');
});
