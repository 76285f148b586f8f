import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox, inspect, ok } from '../helpers/cli.js';

/**
 * An image whose VOLUME is relative (`VOLUME data`): dockerd 20.10 keeps the relative
 * Destination in inspect and mounts the volume at /data; berth refused to start it
 * with the newer runc's "mount destination must be absolute".
 */
test('a relative image VOLUME is mounted under the root and shown as given', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  await ok(d, ['create', '--name', 'base', '--network', 'none', 'busybox', 'true']);
  await ok(d, ['commit', '--change', 'VOLUME data', '--change', 'WORKDIR /w', 'base', 'relvol']);
  await ok(d, ['create', '--name', 'rc1', '--network', 'none', 'relvol', 'sh', '-c', 'grep -c " /data " /proc/mounts; echo x > /data/f']);
  assert.equal(await inspect(d, 'rc1', '{{range .Mounts}}{{.Type}} {{.Destination}}{{end}}'), 'volume data');
  assert.equal((await ok(d, ['start', '-a', 'rc1'])).trim(), '1');
  assert.equal((await ok(d, ['run', '--rm', '--volumes-from', 'rc1', '--network', 'none', 'busybox', 'cat', '/data/f'])).trim(), 'x');
});
