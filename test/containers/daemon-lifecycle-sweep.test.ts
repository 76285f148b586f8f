import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBerth, ping, startDaemon, tempDir, waitFor } from '../helpers/daemon.js';
import { ok, inspect, daemonWithBusybox as setup } from '../helpers/cli.js';
import { busyboxImage } from '../helpers/fixtures.js';

/**
 * The daemon's lifecycle as a user sees it, compared with dockerd 20.10: the restart
 * count a start resets, containers that exited while the daemon was killed, a second
 * daemon on the same data root, a socket whose directory is missing.
 */

const NO_NETWORK = ['-b', 'none', '--iptables=false'];

test('docker start and docker restart reset RestartCount, as dockerd\'s restart manager', { timeout: 90_000 }, async (t) => {
  const d = await setup(t);
  await ok(d, ['run', '-d', '--name', 'loop', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 1']);
  await waitFor('a policy restart', async () => Number(await inspect(d, 'loop', '{{.RestartCount}}')) >= 1, 20_000);
  await ok(d, ['stop', '-t', '0', 'loop']);
  await ok(d, ['start', 'loop']);
  assert.equal(await inspect(d, 'loop', '{{.RestartCount}}'), '0');
  await waitFor('a policy restart', async () => Number(await inspect(d, 'loop', '{{.RestartCount}}')) >= 1, 20_000);
  await ok(d, ['restart', '-t', '0', 'loop']);
  assert.equal(await inspect(d, 'loop', '{{.RestartCount}}'), '0');
});

test('kill -9, exits while away: recorded without die, policies start with count 0, --rm removed; the running one is found again', { timeout: 100_000 }, async (t) => {
  const d = await setup(t);
  await ok(d, ['run', '-d', '--name', 'survivor', 'busybox', 'sh', '-c', 'trap "exit 9" TERM; while :; do echo tick; sleep 0.2; done']);
  await ok(d, ['run', '-d', '--name', 'exiter', 'busybox', 'sh', '-c', 'sleep 1; exit 7']);
  await ok(d, ['run', '-d', '--rm', '--name', 'gone', 'busybox', 'sh', '-c', 'sleep 1']);
  // Its first run ends while the daemon is away; later runs last 4 s (the marker file stays in its rootfs).
  await ok(d, ['run', '-d', '--name', 'retry', '--restart', 'on-failure:1', 'busybox', 'sh', '-c', 'if [ -e /ran ]; then sleep 4; else touch /ran; sleep 1; fi; exit 3']);
  const since = Math.floor(Date.now() / 1000);
  d.kill('SIGKILL');
  await d.exited;
  await new Promise((r) => setTimeout(r, 2500)); // they exit while no daemon runs
  await d.restart();

  // dockerd's restore: started again by a fresh restart manager, so the count is 0
  // (berth counted the boot start as the policy's first restart).
  assert.equal(await inspect(d, 'retry', '{{.RestartCount}}'), '0');
  assert.equal(await inspect(d, 'exiter', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 7');
  assert.equal((await ok(d, ['ps', '-aq', '--filter', 'name=^gone$'])).trim(), '');
  assert.equal(await inspect(d, 'survivor', '{{.State.Status}}'), 'running');
  // on-failure:1 still has its one retry after the boot start.
  await waitFor('the retry used', async () => (await inspect(d, 'retry', '{{.State.Status}} {{.RestartCount}}')) === 'exited 1', 20_000);

  // The survivor serves exec and logs, and stop ends it with its own code, seen by wait.
  assert.equal((await ok(d, ['exec', 'survivor', 'echo', 'hi'])).trim(), 'hi');
  assert.match(await ok(d, ['logs', '--tail', '1', 'survivor']), /^tick\n$/);
  const waited = d.docker(['wait', 'survivor']);
  await ok(d, ['stop', 'survivor']);
  assert.equal((await waited).stdout.trim(), '9');

  // No die for exits that happened while the daemon was away (dockerd has none either).
  const events = await ok(d, ['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=container', '--format', '{{.Action}} {{.Actor.Attributes.name}}']);
  const lines = events.trim().split('\n');
  assert.ok(lines.includes('destroy gone'), events);
  assert.ok(lines.includes('start retry'), events);
  assert.ok(!lines.includes('die exiter') && !lines.includes('die gone'), events);
  assert.equal(lines.indexOf('die retry') > lines.indexOf('start retry'), true, `the only die of retry is after its boot start: ${events}`);
});

test('a second daemon on the same data root is refused; a socket whose directory is missing fails the start', { timeout: 60_000 }, async (t) => {
  const d = await setup(t);
  const other = tempDir(t);
  const second = await runBerth(['-d', '-H', `unix://${join(other, 's.sock')}`, '--data-root', join(d.dir, 'data'),
    '--exec-root', join(other, 'exec'), '--pidfile', join(other, 'p.pid'), ...NO_NETWORK]);
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`^failed to start daemon: error while opening the data root ${join(d.dir, 'data')}: it is in use by another berth daemon \\(pid ${d.pid}\\)\\n$`));
  assert.ok(!existsSync(join(other, 'p.pid')), 'its pidfile is released');
  assert.ok(await ping(d.socket), 'the first daemon still serves');

  const sock = join(other, 'missing', 'sub', 's.sock');
  const r = await runBerth(['-d', '-H', `unix://${sock}`, '--data-root', join(other, 'data'), '--exec-root', join(other, 'exec2'), '--pidfile', join(other, 'q.pid'), ...NO_NETWORK]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n').filter((l) => !l.includes('level=')).join('\n'),
    `failed to load listeners: can't create unix socket ${sock}: listen unix ${sock}: bind: no such file or directory\n`);
  assert.ok(!existsSync(join(other, 'missing')), 'no directory made');
});

test('SIGHUP: keys the file no longer sets keep their value (debug, live-restore), labels change; info shows live restore', { timeout: 60_000 }, async (t) => {
  const file = join(tempDir(t), 'daemon.json');
  writeFileSync(file, JSON.stringify({ debug: true, labels: ['a=1'], 'live-restore': true }));
  const d = await startDaemon(t, { args: ['--config-file', file] });
  const info = async (): Promise<string> => (await ok(d, ['info', '--format', '{{.Debug}} {{.LiveRestoreEnabled}} {{json .Labels}}'])).trim();
  assert.equal(await info(), 'true true ["a=1"]');
  writeFileSync(file, JSON.stringify({ labels: ['b=2'] }));
  d.kill('SIGHUP');
  await waitFor('the reload', () => d.log().includes('Reloaded configuration'));
  assert.match(d.log(), new RegExp(`Got signal to reload configuration, reloading from: ${file}`));
  assert.equal(await info(), 'true true ["b=2"]');
});

test('SIGTERM stops each container with its own stop timeout, which --shutdown-timeout does not shorten; --rm ones are removed at the next boot', { timeout: 60_000 }, async (t) => {
  const d = await startDaemon(t, { args: ['--shutdown-timeout', '1'] });
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  // Needs 2 s after TERM to finish cleanly; its own timeout (4 s) allows that.
  await ok(d, ['run', '-d', '--name', 'db', '--stop-timeout', '4', 'busybox', 'sh', '-c', 'trap "sleep 2; exit 5" TERM; while :; do sleep 0.1; done']);
  // --rm containers the shutdown stopped, or never started, are gone after the boot, as in dockerd.
  await ok(d, ['run', '-d', '--rm', '--name', 'tmp', 'busybox', 'sleep', '1000']);
  await ok(d, ['create', '--rm', '--name', 'never', 'busybox', 'true']);
  await d.restart();
  assert.equal(await inspect(d, 'db', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 5');
  assert.equal((await ok(d, ['ps', '-a', '--format', '{{.Names}}'])).trim(), 'db');
});

test('a paused container is resumed after a signal that ends it: stop, kill -s, and the daemon\'s shutdown', { timeout: 60_000 }, async (t) => {
  const d = await setup(t);
  const script = 'trap "exit 4" TERM; trap "echo usr1" USR1; while :; do sleep 0.1; done';
  await ok(d, ['run', '-d', '--name', 'pz', 'busybox', 'sh', '-c', script]);
  await ok(d, ['pause', 'pz']);
  await ok(d, ['kill', '-s', 'USR1', 'pz']);
  assert.equal(await inspect(d, 'pz', '{{.State.Status}} {{.State.Paused}}'), 'running false');
  await waitFor('USR1 handled', async () => (await ok(d, ['logs', 'pz'])).includes('usr1'));
  await ok(d, ['pause', 'pz']);
  const started = Date.now();
  await ok(d, ['stop', 'pz']);
  assert.ok(Date.now() - started < 5000, 'TERM acted on at once, no SIGKILL after 10 s');
  assert.equal(await inspect(d, 'pz', '{{.State.ExitCode}}'), '4');

  await ok(d, ['start', 'pz']);
  await ok(d, ['pause', 'pz']);
  await d.restart();
  assert.equal(await inspect(d, 'pz', '{{.State.Status}} {{.State.ExitCode}}'), 'exited 4');
});
