import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { daemonWithBusybox, fails, ok } from '../helpers/cli.js';

/**
 * Devices and a few `docker run` options compared with dockerd 20.10 on this machine: the device
 * cgroup (a node a container makes itself is of no use unless a rule allows it),
 * `--device`, `--device-cgroup-rule`, `--privileged`; `--blkio-weight` where the
 * kernel takes none (a warning, as dockerd); `--entrypoint ''`.
 */
test('devices: the device cgroup, --device, --device-cgroup-rule, --privileged', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  // /dev/kmsg (1:11) is no standard device: made with mknod, it cannot be written.
  const kmsg = 'mknod /tmp/k c 1 11 && echo hi > /tmp/k && echo wrote';
  const denied = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', kmsg]);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr + denied.stdout, /can't create \/tmp\/k: Operation not permitted/);
  assert.equal((await ok(d, ['run', '--rm', '--device-cgroup-rule', 'c 1:11 w', 'busybox', 'sh', '-c', kmsg])).trim(), 'wrote');
  assert.equal((await ok(d, ['run', '--rm', '--privileged', 'busybox', 'sh', '-c', kmsg])).trim(), 'wrote');
  // The standard devices and the container's own pty still work.
  assert.equal((await ok(d, ['run', '--rm', 'busybox', 'sh', '-c', 'echo x > /dev/null && head -c 1 /dev/zero | wc -c'])).trim(), '1');
  assert.match(await ok(d, ['run', '--rm', '-t', 'busybox', 'tty']), /^\/dev\/pts\/\d+/);

  const out = await ok(d, ['run', '--rm', '--device', '/dev/null:/dev/xnull', 'busybox', 'sh', '-c', 'ls -l /dev/xnull && echo a > /dev/xnull && echo written']);
  assert.match(out, /^crw-rw-rw- .* 1, +3 .*\/dev\/xnull\nwritten$/m);
  await fails(d, ['run', '--rm', '--device', '/dev/berth-no-such-device', 'busybox', 'true'],
    /error gathering device information while adding custom device "\/dev\/berth-no-such-device": no such file or directory/);
});

test('run: --blkio-weight without kernel support warns; --entrypoint \'\' resets the image\'s', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  if (!existsSync('/sys/fs/cgroup/blkio/blkio.weight') && !existsSync('/sys/fs/cgroup/blkio/blkio.bfq.weight') && existsSync('/sys/fs/cgroup/blkio')) {
    const r = await d.docker(['run', '--rm', '--blkio-weight', '300', 'busybox', 'true']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /WARNING: Your kernel does not support Block I\/O weight or the cgroup is not mounted\. Weight discarded\./);
  }
  assert.equal((await ok(d, ['run', '--rm', '--entrypoint', '', 'busybox', 'echo', 'emptyentry'])).trim(), 'emptyentry');
  await ok(d, ['create', '--name', 'reset', '--entrypoint', '', 'busybox', 'echo', 'hi']);
  assert.equal((await ok(d, ['inspect', '-f', '{{json .Path}} {{json .Args}} {{json .Config.Entrypoint}}', 'reset'])).trim(), '"echo" ["hi"] null');
  // Nothing to run is refused at create, as dockerd does.
  await fails(d, ['create', '--entrypoint', '', 'busybox'], /No command specified/);
});
