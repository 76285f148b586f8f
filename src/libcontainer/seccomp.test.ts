import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindOf } from '../engine/errors.js';
import { DEFAULT_CAPABILITIES } from './capabilities.js';
import { allowsSyscall, defaultSeccompProfile, kernelAtLeast, parseSeccompProfile } from './seccomp.js';
import { CLONE_NAMESPACE_FLAGS, dockerDefaultProfile } from './seccomp-profile.js';

const x64 = { arch: 'x64', kernel: '6.1.0' };
const caps = [...DEFAULT_CAPABILITIES];

test('default profile: deny with EPERM, x86 architectures, common calls allowed', () => {
  const p = defaultSeccompProfile(caps, x64);
  assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(p.defaultErrnoRet, 1);
  assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  for (const s of ['read', 'write', 'openat', 'execve', 'futex', 'chroot', 'arch_prctl', 'ptrace']) {
    assert.ok(allowsSyscall(p, s), s);
  }
  assert.deepEqual(defaultSeccompProfile(caps, { arch: 'arm64', kernel: '6.1' }).architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  assert.ok(!allowsSyscall(defaultSeccompProfile(caps, { arch: 'arm64', kernel: '6.1' }), 'arch_prctl'));
  // ptrace is only opened up on kernels where seccomp cannot be bypassed through it.
  assert.ok(!allowsSyscall(defaultSeccompProfile(caps, { arch: 'x64', kernel: '4.4.0' }), 'ptrace'));
});

test('mount, keyctl, reboot, unshare blocked without capabilities, allowed with them', () => {
  const plain = defaultSeccompProfile(caps, x64);
  for (const s of ['mount', 'umount2', 'keyctl', 'reboot', 'unshare', 'setns', 'init_module', 'clone3', 'add_key']) {
    assert.ok(!allowsSyscall(plain, s), s);
  }
  const admin = defaultSeccompProfile([...caps, 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT'], x64);
  for (const s of ['mount', 'unshare', 'setns', 'clone', 'clone3', 'reboot']) assert.ok(allowsSyscall(admin, s), s);
  // keyctl stays blocked for everyone: keys are not namespaced.
  assert.ok(!allowsSyscall(admin, 'keyctl'));
  assert.ok(allowsSyscall(defaultSeccompProfile([...caps, 'CAP_SYS_PTRACE'], x64), 'process_vm_readv'));
  assert.ok(allowsSyscall(defaultSeccompProfile([...caps, 'CAP_SYS_MODULE'], x64), 'finit_module'));
});

test('clone is filtered on namespace flags and clone3 answers ENOSYS without CAP_SYS_ADMIN', () => {
  const p = defaultSeccompProfile(caps, x64);
  const clone = p.syscalls.filter((r) => r.names.includes('clone'));
  assert.deepEqual(clone, [{
    names: ['clone'], action: 'SCMP_ACT_ALLOW',
    args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
  }]);
  assert.equal(CLONE_NAMESPACE_FLAGS, 0x10000000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x20000000 | 0x40000000 | 0x00020000);
  assert.deepEqual(p.syscalls.find((r) => r.names.includes('clone3')), { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  // s390 passes clone flags in the second argument.
  const s390 = defaultSeccompProfile(caps, { arch: 's390x', kernel: '6.1' });
  assert.equal(s390.syscalls.find((r) => r.names.includes('clone'))!.args![0]!.index, 1);
  // personality only with the listed personas.
  const pers = p.syscalls.filter((r) => r.names.includes('personality')).map((r) => r.args![0]!.value);
  assert.deepEqual(pers, [0, 8, 0x20000, 0x20008, 0xffffffff]);
});

test('a Docker-format profile round-trips to the same OCI section', () => {
  const json = JSON.stringify(dockerDefaultProfile());
  assert.deepEqual(parseSeccompProfile(json, caps, x64), defaultSeccompProfile(caps, x64));
  const custom = {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { name: 'mkdir', action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['chown'], action: 'SCMP_ACT_ERRNO', excludes: { arches: ['amd64'] } },
    ],
  };
  assert.deepEqual(parseSeccompProfile(JSON.stringify(custom), caps, x64), {
    defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
  });
  assert.equal(parseSeccompProfile('{}', caps, x64), undefined);
  const bad = (j: string, re: RegExp): void => assert.throws(() => parseSeccompProfile(j, caps, x64),
    (e: unknown) => kindOf(e) === 'invalid_parameter' && re.test((e as Error).message));
  bad('{', /^Decoding seccomp profile failed/);
  bad(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['x'], archMap: [{ architecture: 'x', subArchitectures: [] }], syscalls: [] }),
    /use either 'architectures' or 'archMap'/);
  bad(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] }),
    /use either 'name' or 'names'/);
});

test('kernel versions compare numerically', () => {
  assert.ok(kernelAtLeast('6.18.44-fc-v782', '4.8'));
  assert.ok(kernelAtLeast('4.10.0', '4.8'));
  assert.ok(!kernelAtLeast('4.4.0-210-generic', '4.8'));
  assert.ok(kernelAtLeast('4.8', '4.8'));
});
