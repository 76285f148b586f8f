import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../helpers/daemon.js';
import { multiLayerImage } from '../helpers/fixtures.js';
import { pushImage, readArchive, startRegistry } from './registry.js';

/**
 * An image with more layers than --max-concurrent-downloads: the layers past the
 * limit are reported 'Waiting' as soon as the transfer starts, before its first
 * await. The shared-transfer bookkeeping (concurrent pulls watch one transfer) read
 * its follower set before it existed then, and every such pull failed with "Cannot
 * access 'shared' before initialization" (the benchmark's four-layer pull found it).
 */
test('a pull with more layers than the download limit queues them and succeeds', { timeout: 120_000 }, async (t) => {
  const reg = await startRegistry(t);
  await pushImage(reg, 'lib/multi', 'v1', await readArchive((await multiLayerImage()).path));
  const d = await startDaemon(t, { args: ['--max-concurrent-downloads', '1'] });
  const r = await d.docker(['pull', `${reg.host}/lib/multi:v1`], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Status: Downloaded newer image for ${reg.host}/lib/multi:v1`));
  const run = await d.docker(['run', '--rm', '--network', 'none', `${reg.host}/lib/multi:v1`, 'cat', '/opaque/c']);
  assert.equal(run.code, 0, run.stderr);
});
