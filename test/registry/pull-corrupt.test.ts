import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../helpers/daemon.js';
import { layerTar } from '../helpers/fixtures.js';
import { onBlob, startFaultProxy } from './fault-proxy.js';
import { pushImage, sha256, startRegistry } from './registry.js';
import { assertEmptyStore } from './store-state.js';

/**
 * A base layer small enough to arrive in one piece, corrupt in its last bytes (the
 * gzip trailer): the blob fails its digest while the extraction is still looking
 * at its first bytes to choose a decompressor. That error must end the pull with
 * dockerd's message, not leave the extraction waiting for input that never comes.
 */
test('a small first layer that fails its digest as it arrives ends the pull', { timeout: 120_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const tar = await layerTar([{ type: 'file', name: 'etc/small', mode: 0o644, content: 'a small layer\n' }]);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Cmd: ['true'] },
    rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
  }));
  const pushed = await pushImage(reg, 'small', 'latest', { config, layers: [tar] });
  const layer = pushed.layers[0]!;
  const proxy = await startFaultProxy(t, reg);
  const d = await startDaemon(t);

  proxy.rule = onBlob(layer.digest, { kind: 'flip', at: layer.size - 3 }, Infinity);
  const r = await d.docker(['pull', `${proxy.host}/small`], { timeoutMs: 60_000 });
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, new RegExp(`filesystem layer verification failed for digest ${layer.digest}`));
  await assertEmptyStore(d, 'corrupt small layer');

  // The same image, served intact, pulls.
  proxy.rule = () => undefined;
  const ok = await d.docker(['pull', `${proxy.host}/small`], { timeoutMs: 60_000 });
  assert.equal(ok.code, 0, ok.stderr);
});
