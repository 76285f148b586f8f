import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox } from '../helpers/cli.js';

/**
 * A create holds its name from the check to the insert: creates running side by side
 * (compose's scale, clients that create in parallel) never both get one name. Before,
 * the name was checked, then files and layers were awaited, then the row inserted: two
 * creates picked the same generated name and the second failed with a 409 (20 of 1000
 * parallel unnamed creates did, with berth's 3,600 generated names).
 */
test('parallel creates: generated names never collide, one explicit name goes to exactly one', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const docker = d.client();
  const config = { Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'none' } };

  const unnamed = await Promise.allSettled(Array.from({ length: 150 }, () => docker.createContainer(config)));
  const failed = unnamed.filter((r) => r.status === 'rejected');
  assert.deepEqual(failed.map((r) => String((r as PromiseRejectedResult).reason)), []);
  const names = await Promise.all(unnamed.map((r) => (r as PromiseFulfilledResult<{ inspect(): Promise<{ Name: string }> }>).value.inspect().then((i) => i.Name)));
  assert.equal(new Set(names).size, names.length);

  const same = await Promise.allSettled(Array.from({ length: 8 }, () => docker.createContainer({ ...config, name: 'only-one' })));
  const won = same.filter((r) => r.status === 'fulfilled');
  assert.equal(won.length, 1);
  const winner = (won[0] as PromiseFulfilledResult<{ id: string }>).value.id;
  for (const r of same.filter((x) => x.status === 'rejected')) {
    const err = (r as PromiseRejectedResult).reason as { statusCode?: number; json?: { message?: string } };
    assert.equal(err.statusCode, 409);
    assert.equal(err.json?.message, `Conflict. The container name "/only-one" is already in use by container "${winner}". You have to remove (or rename) that container to be able to reuse that name.`);
  }
  // The losers left nothing: the name still resolves to the one that won.
  assert.equal((await docker.getContainer('only-one').inspect()).Id, winner);
});
