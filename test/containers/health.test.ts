import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/daemon.js';
import { daemonWithBusybox, fails, inspect, ok } from '../helpers/cli.js';

/** `docker ps` with these arguments, its output trimmed. */
async function ps(d: Parameters<typeof ok>[0], args: string[]): Promise<string> {
  return (await ok(d, ['ps', ...args])).trim();
}

interface Health { Status: string; FailingStreak: number; Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }> }

/**
 * Healthchecks as dockerd 20.10 runs them (compared with it): `starting` until the
 * first result, `unhealthy` after `retries` failures in a row, `healthy` at a
 * success, the last results in State.Health.Log, the status in `docker ps` and its
 * `health` filter, `health_status` events, a probe killed at its timeout, and the
 * status left `unhealthy` when the container stops and `starting` when it starts again.
 */
test('healthchecks: probes, status, ps, events, timeout, stop and start', { timeout: 180_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  const since = Math.floor(Date.now() / 1000);
  const health = async (name: string): Promise<Health> => JSON.parse(await inspect(d, name, '{{json .State.Health}}')) as Health;

  await ok(d, ['run', '-d', '--name', 'doc', '--stop-timeout', '1', '--health-cmd', 'echo probing; test -f /tmp/ok',
    '--health-interval', '300ms', '--health-retries', '2', 'busybox', 'sleep', '600']);
  assert.match(await ps(d, ['--filter', 'name=doc', '--format', '{{.Status}}']), /^Up .* \(health: starting\)$/);
  assert.equal((await health('doc')).Status, 'starting');

  await waitFor('unhealthy', async () => (await health('doc')).Status === 'unhealthy');
  const sick = await health('doc');
  assert.ok(sick.FailingStreak >= 2, `streak ${sick.FailingStreak}`);
  assert.deepEqual(sick.Log.map((l) => [l.ExitCode, l.Output]).slice(0, 2), [[1, 'probing\n'], [1, 'probing\n']]);
  assert.ok(Date.parse(sick.Log[0]!.End) >= Date.parse(sick.Log[0]!.Start));
  assert.match(await ps(d, ['--filter', 'health=unhealthy', '--format', '{{.Names}} {{.Status}}']), /^doc Up .* \(unhealthy\)$/);

  await ok(d, ['exec', 'doc', 'touch', '/tmp/ok']);
  await waitFor('healthy', async () => (await health('doc')).Status === 'healthy');
  assert.equal((await health('doc')).FailingStreak, 0);
  await waitFor('five results kept', async () => (await health('doc')).Log.length === 5);
  await new Promise((r) => setTimeout(r, 700));
  assert.equal((await health('doc')).Log.length, 5, 'never more than five');
  assert.equal(await ps(d, ['--filter', 'health=healthy', '--format', '{{.Names}}']), 'doc');
  assert.equal(await ps(d, ['--filter', 'health=starting', '--format', '{{.Names}}']), '');

  const events = (await ok(d, ['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1),
    '--filter', 'event=health_status', '--format', '{{.Action}}'])).trim();
  assert.deepEqual(events.split('\n'), ['health_status: unhealthy', 'health_status: healthy']);

  // As dockerd: a stopped container's health reads unhealthy; a new start begins again.
  await ok(d, ['stop', 'doc']);
  assert.equal((await health('doc')).Status, 'unhealthy');
  assert.equal(await ps(d, ['-a', '--filter', 'health=unhealthy', '--format', '{{.Names}}']), 'doc');
  await ok(d, ['start', 'doc']);
  const restarted = await health('doc');
  assert.equal(restarted.Status, 'starting');
  assert.equal(restarted.FailingStreak, 0);
  await ok(d, ['rm', '-f', 'doc']);

  // A probe past its timeout is killed and counts as a failure with dockerd's words.
  await ok(d, ['run', '-d', '--name', 'slow', '--health-cmd', 'sleep 30', '--health-timeout', '300ms', '--health-interval', '200ms', 'busybox', 'sleep', '600']);
  await waitFor('a timed-out probe', async () => (await health('slow')).Log.length > 0);
  assert.deepEqual((await health('slow')).Log.map((l) => [l.ExitCode, l.Output])[0], [-1, 'Health check exceeded timeout (300ms)']);
  // Timed-out probes are killed: at most the current one runs, they do not pile up.
  await waitFor('three timed-out probes', async () => (await health('slow')).Log.length >= 3, 15_000);
  const probes = (await ok(d, ['top', 'slow'])).split('\n').filter((l) => l.includes('sleep 30'));
  assert.ok(probes.length <= 1, probes.join('\n'));
  await ok(d, ['rm', '-f', 'slow']);

  // No healthcheck: no Health at all, and the `none` filter.
  await ok(d, ['run', '-d', '--name', 'plain', '--no-healthcheck', 'busybox', 'sleep', '600']);
  assert.equal((await inspect(d, 'plain', '{{json .State.Health}}')).trim(), 'null');
  assert.equal(await ps(d, ['--filter', 'health=none', '--format', '{{.Names}}']), 'plain');
  await ok(d, ['rm', '-f', 'plain']);
});

test('healthchecks: the image\'s is merged with the container\'s, and bad values are 400s', { timeout: 120_000 }, async (t) => {
  const d = await daemonWithBusybox(t);
  await ok(d, ['create', '--name', 'base', 'busybox', 'true']);
  await ok(d, ['commit', '--change', 'HEALTHCHECK --interval=5s --timeout=2s CMD ["true"]', 'base', 'checked:1']);
  await ok(d, ['create', '--name', 'merged', '--health-retries', '7', 'checked:1']);
  assert.deepEqual(JSON.parse(await inspect(d, 'merged', '{{json .Config.Healthcheck}}')),
    { Test: ['CMD', 'true'], Interval: 5_000_000_000, Timeout: 2_000_000_000, Retries: 7 });
  await ok(d, ['create', '--name', 'off', '--no-healthcheck', 'checked:1']);
  assert.deepEqual(JSON.parse(await inspect(d, 'off', '{{json .Config.Healthcheck.Test}}')), ['NONE']);

  await fails(d, ['create', '--health-interval', '10us', 'busybox', 'true'], /Interval in Healthcheck cannot be less than 1ms/);
  await fails(d, ['create', '--health-timeout', '10us', 'busybox', 'true'], /Timeout in Healthcheck cannot be less than 1ms/);
  await fails(d, ['create', '--health-start-period', '10us', 'busybox', 'true'], /StartPeriod in Healthcheck cannot be less than 1ms/);
  await assert.rejects(d.client().createContainer({ Image: 'busybox', Healthcheck: { Test: ['CMD', 'true'], Retries: -1 } }),
    (err: Error & { statusCode?: number }) => err.statusCode === 400 && /Retries in Healthcheck cannot be negative/.test(err.message));
  await fails(d, ['ps', '--filter', 'health=bogus'], /Unrecognised filter value for health: bogus/);
  // Clients that send null for what they leave unset (docker-compose) are not refused.
  const body = { Image: 'busybox', Cmd: ['true'], Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9, StartPeriod: null, Retries: null } };
  await (await d.client().createContainer(body as never)).remove();
});
