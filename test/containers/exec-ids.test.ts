import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/daemon.js';
import { daemonWithBusybox, fails, inspect, ok } from '../helpers/cli.js';

/**
 * Container inspect's `ExecIDs` as dockerd 20.10 fills it (checked against it): the
 * container's execs that are created or running, null when there are none; an exec
 * leaves the list when it exits or fails to start (exec inspect still finds it).
 */
test('container inspect lists the execs created or running, null when none', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  await ok(d, ['run', '-d', '--name', 'box', '--stop-timeout', '1', 'busybox', 'sleep', '1000']);
  const execIds = async (): Promise<string[] | null> => JSON.parse(await inspect(d, 'box', '{{json .ExecIDs}}')) as string[] | null;
  assert.equal(await execIds(), null);

  const box = d.client().getContainer('box');
  const quick = await box.exec({ Cmd: ['true'] });
  const slow = await box.exec({ Cmd: ['sleep', '2'] });
  // dockerd lists them in its map's order: compare as sets.
  assert.deepEqual((await execIds())?.sort(), [quick.id, slow.id].sort());

  await slow.start({ Detach: true });
  await quick.start({ Detach: true });
  await waitFor('the quick exec to end', async () => (await quick.inspect()).ExitCode === 0);
  assert.deepEqual(await execIds(), [slow.id]);

  // A start that fails leaves the list at once, and is still there for exec inspect.
  const missing = await box.exec({ Cmd: ['nosuch'] });
  await assert.rejects(missing.start({ Detach: true }));
  assert.equal((await missing.inspect()).ExitCode, 126);
  assert.deepEqual(await execIds(), [slow.id]);

  await waitFor('the slow exec to end', async () => (await slow.inspect()).ExitCode === 0);
  assert.equal(await execIds(), null);

  // An attached exec through the CLI is gone from the list once the CLI has its exit code.
  await fails(d, ['exec', 'box', 'sh', '-c', 'exit 3']);
  assert.equal(await execIds(), null);
});
