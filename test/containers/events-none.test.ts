import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonWithBusybox, ok } from '../helpers/cli.js';

/**
 * Events of `docker run` as dockerd 20.10 logs them: the attach as soon as the CLI
 * attaches (before the start), and a network connect and disconnect for the host's
 * network or none too, whose sandbox joins them like any other network.
 */
test('docker run --network none|host: attach first, then connect and start; die and disconnect after', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  for (const mode of ['none', 'host']) {
    const since = Math.floor(Date.now() / 1000) - 1;
    await ok(d, ['run', '--name', `ev-${mode}`, '--network', mode, 'busybox', 'true']);
    const until = Math.floor(Date.now() / 1000) + 1;
    const lines = (await ok(d, ['events', '--since', String(since), '--until', String(until), '--format',
      '{{.Type}} {{.Action}} {{index .Actor.Attributes "name"}}'])).trim().split('\n');
    const seq = lines.filter((l) => l.endsWith(` ev-${mode}`) || (l.startsWith('network ') && l.endsWith(` ${mode}`)));
    const got = seq.filter((l) => !l.includes(' destroy '));
    assert.deepEqual(got.slice(0, 4), [
      `container create ev-${mode}`, `container attach ev-${mode}`, `network connect ${mode}`, `container start ev-${mode}`,
    ], mode);
    // As dockerd: the die before its clean-up's disconnect.
    assert.deepEqual(got.slice(4), [`container die ev-${mode}`, `network disconnect ${mode}`], mode);
  }
});

test('a container with a volume: connect before mount at its start; die, then disconnect and unmount at its exit, as dockerd 20.10 logs them', { timeout: 60_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const since = Math.floor(Date.now() / 1000) - 1;
  const id = (await ok(d, ['run', '-d', '-v', '/data', 'busybox', 'true'])).trim();
  await ok(d, ['wait', id]);
  const until = Math.floor(Date.now() / 1000) + 1;
  const lines = (await ok(d, ['events', '--since', String(since), '--until', String(until), '--format', '{{.Type}} {{.Action}}'])).trim().split('\n');
  assert.deepEqual(lines.filter((l) => !l.startsWith('image ')), [
    'volume create', 'container create', 'network connect', 'volume mount', 'container start',
    'container die', 'network disconnect', 'volume unmount',
  ]);
});
