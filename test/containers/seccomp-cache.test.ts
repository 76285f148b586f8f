import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonWithBusybox, ok } from '../helpers/cli.js';

/**
 * The compiled seccomp program is kept per profile under the exec root: the first
 * container compiles it, later ones load it, and each of them is filtered all the
 * same; a damaged file is not used, and is replaced.
 */
test('seccomp: one compiled program per profile, shared by later containers, a damaged one replaced', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const dir = join(d.dir, 'exec', 'seccomp');
  const filtered = async (): Promise<void> => {
    // unshare(CLONE_NEWUSER) is refused by Docker's profile itself (no capability needed).
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'grep Seccomp: /proc/self/status; unshare -r true']);
    assert.match(r.stdout, /Seccomp:\s+2/);
    assert.match(r.stderr + r.stdout, /unshare\(0x10000000\): Operation not permitted/);
  };
  await filtered();
  const files = readdirSync(dir);
  assert.equal(files.length, 1, files.join(' '));
  const file = join(dir, files[0]!);
  assert.equal(statSync(file).size % 8, 0, 'whole BPF instructions');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  await filtered();
  assert.deepEqual(readdirSync(dir), files, 'the second container used the same program');

  writeFileSync(file, 'not a program');
  await filtered();
  assert.equal(statSync(file).size % 8, 0, 'the damaged file was compiled again');
  // Another profile gets its own program.
  await ok(d, ['run', '--rm', '--cap-add', 'SYS_ADMIN', 'busybox', 'true']);
  assert.equal(readdirSync(dir).length, 2);
});
