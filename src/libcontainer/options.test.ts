import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../engine/errors.js';
import { parseSecurityOpts, parseUlimit, RLIM_INFINITY } from './options.js';
import { buildSpec } from './spec.js';

const invalid = (fn: () => unknown, msg: string): void =>
  assert.throws(fn, (e: unknown) => kindOf(e) === 'invalid_parameter' && (e as Error).message === msg);

test('--security-opt: no-new-privileges, seccomp choices, and dockerd errors', () => {
  assert.deepEqual(parseSecurityOpts([]), { noNewPrivileges: false, seccomp: { mode: 'default' }, labels: [] });
  assert.equal(parseSecurityOpts(['no-new-privileges']).noNewPrivileges, true);
  assert.equal(parseSecurityOpts(['no-new-privileges=false']).noNewPrivileges, false);
  assert.equal(parseSecurityOpts(['no-new-privileges:true']).noNewPrivileges, true);
  assert.deepEqual(parseSecurityOpts(['seccomp=unconfined']).seccomp, { mode: 'unconfined' });
  assert.deepEqual(parseSecurityOpts(['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']).seccomp,
    { mode: 'profile', json: '{"defaultAction":"SCMP_ACT_ALLOW"}' });
  invalid(() => parseSecurityOpts(['bogus']), 'invalid --security-opt 1: "bogus"');
  invalid(() => parseSecurityOpts(['foo=bar']), 'invalid --security-opt 2: "foo=bar"');
  invalid(() => parseSecurityOpts(['no-new-privileges=maybe']), 'invalid --security-opt 2: "no-new-privileges=maybe"');
  // A custom profile flows through buildSpec.
  const s = buildSpec({
    id: 'x', rootfs: '/r', args: ['sh'],
    seccomp: parseSecurityOpts(['seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}']).seccomp,
  });
  assert.deepEqual(s.linux.seccomp, { defaultAction: 'SCMP_ACT_ALLOW', architectures: [], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
});

test('--ulimit parsing with go-units wording, unlimited as RLIM_INFINITY', () => {
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { name: 'nofile', soft: 1024, hard: 2048 });
  assert.deepEqual(parseUlimit('nproc=10'), { name: 'nproc', soft: 10, hard: 10 });
  assert.deepEqual(parseUlimit('core=-1'), { name: 'core', soft: -1, hard: -1 });
  invalid(() => parseUlimit('nofile'), 'invalid ulimit argument: nofile');
  invalid(() => parseUlimit('as=1'), 'invalid ulimit type: as');
  invalid(() => parseUlimit('nofile=1:2:3'), 'too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`');
  invalid(() => parseUlimit('nofile=20:10'), 'ulimit soft limit must be less than or equal to hard limit: 20 > 10');
  invalid(() => parseUlimit('nofile=-1:10'), 'ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: 10');
  const s = buildSpec({ id: 'x', rootfs: '/r', args: ['sh'], ulimits: [parseUlimit('core=-1')] });
  assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_CORE', hard: RLIM_INFINITY, soft: RLIM_INFINITY }]);
});
