import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DOCKER_CLI_20, startDaemon } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';
import { ok, fails } from '../helpers/cli.js';

/**
 * The container record through the real docker CLI: create, ps -a (and its filters),
 * inspect, rename, rm, with dockerd's messages for conflicts and unknown names, and
 * the image "in use" hook seen by rmi. Nothing is started here.
 */

const lines = (s: string) => s.split('\n').filter(Boolean);

test('create, ps, inspect, rename and rm with the docker CLI', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  await ok(d, ['load', '-i', busybox.path]);

  const id = (await ok(d, ['create', '--name', 'xx', '--label', 'tier=web', 'busybox', 'echo', 'hi'])).trim();
  assert.match(id, /^[a-f0-9]{64}$/);
  const anon = (await ok(d, ['create', 'busybox'])).trim();

  // ps: not running, so only with -a; newest first; the CLI's columns.
  assert.deepEqual(lines(await ok(d, ['ps', '-q'])), []);
  assert.deepEqual(lines(await ok(d, ['ps', '-aq', '--no-trunc'])), [anon, id]);
  const table = await ok(d, ['ps', '-a']);
  assert.match(table, new RegExp(`${id.slice(0, 12)}\\s+busybox\\s+"echo hi"\\s+.+\\s+Created\\s+xx\\n`));
  const generated = (await ok(d, ['ps', '-a', '--format', '{{.Names}}', '--filter', `id=${anon.slice(0, 10)}`])).trim();
  assert.match(generated, /^[a-z]+_[a-z]+\d?$/);
  assert.deepEqual(lines(await ok(d, ['ps', '-aq', '--no-trunc', '--filter', 'label=tier=web'])), [id]);
  assert.deepEqual(lines(await ok(d, ['ps', '-aq', '--no-trunc', '--filter', 'name=^/xx$'])), [id]);
  // As dockerd, the name is also tried without its slash.
  assert.deepEqual(lines(await ok(d, ['ps', '-aq', '--no-trunc', '--filter', 'name=^xx$'])), [id]);
  assert.deepEqual(lines(await ok(d, ['ps', '-q', '--no-trunc', '--filter', 'status=created'])).sort(), [anon, id].sort());
  assert.deepEqual(lines(await ok(d, ['ps', '-aq', '--filter', 'status=running'])), []);
  assert.deepEqual(lines(await ok(d, ['ps', '-aq', '--no-trunc', '-n', '1'])), [anon]);
  assert.match(await fails(d, ['ps', '-a', '--filter', 'status=sleepy']), /Invalid filter 'status=sleepy'/);
  assert.match(await fails(d, ['ps', '-a', '--filter', 'colour=red']), /Invalid filter 'colour'/);
  assert.match(await ok(d, ['ps', '-a'], DOCKER_CLI_20), /Created\s+xx\n/);

  // inspect: the record with the image's defaults merged in.
  const info = JSON.parse(await ok(d, ['inspect', 'xx']))[0];
  assert.equal(info.Id, id);
  assert.equal(info.Name, '/xx');
  assert.equal(info.Path, 'echo');
  assert.deepEqual(info.Args, ['hi']);
  assert.equal(info.Image, busybox.id);
  assert.equal(info.Config.Image, 'busybox');
  assert.deepEqual(info.Config.Cmd, ['echo', 'hi']);
  assert.equal(info.Config.Hostname, id.slice(0, 12));
  assert.deepEqual(info.Config.Labels, { tier: 'web' });
  assert.deepEqual(info.State, {
    Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
    Pid: 0, ExitCode: 0, Error: '', StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z',
  });
  assert.equal(info.HostConfig.NetworkMode, 'default');
  assert.equal(typeof info.GraphDriver.Name, 'string');
  assert.deepEqual(JSON.parse(await ok(d, ['inspect', anon]))[0].Config.Cmd, ['sh'], 'the image Cmd when none given');
  assert.equal(await ok(d, ['inspect', '--format', '{{.Id}}', id.slice(0, 8)]), `${id}\n`);

  // rmi of an image a container uses is refused.
  assert.match(await fails(d, ['rmi', busybox.id]), /image is being used by stopped container/);

  // Name conflicts, invalid names, unknown containers: dockerd's words.
  assert.match(await fails(d, ['create', '--name', 'xx', 'busybox']),
    new RegExp(`Conflict\\. The container name "/xx" is already in use by container "${id}"\\. You have to remove \\(or rename\\) that container to be able to reuse that name\\.`));
  // dockerd's pattern wants two characters at least.
  assert.match(await fails(d, ['create', '--name', 'x', 'busybox']), /Invalid container name \(x\)/);
  assert.match(await fails(d, ['create', '--name', 'a b', 'busybox']), /Invalid container name \(a b\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed/);
  assert.match(await fails(d, ['create', '--pull', 'never', 'busybox:nosuch']), /No such image: busybox:nosuch/);
  assert.match(await fails(d, ['container', 'inspect', 'nothere']), /No such container: nothere/);
  assert.match(await fails(d, ['rm', 'nothere']), /No such container: nothere/);

  // rename: moves the name, frees the old one, refuses a taken one.
  await ok(d, ['rename', 'xx', 'yy']);
  assert.equal(await ok(d, ['inspect', '--format', '{{.Name}}', id]), '/yy\n');
  assert.match(await fails(d, ['rename', 'yy', generated]), /Conflict\. The container name/);
  assert.match(await fails(d, ['rename', 'yy', 'yy']), /Renaming a container with the same name as its current name/);
  assert.match(await fails(d, ['container', 'inspect', 'xx']), /No such container: xx/);

  // rm: gone from ps, the name reusable, the image removable once unused.
  await ok(d, ['rm', 'yy', anon]);
  assert.deepEqual(lines(await ok(d, ['ps', '-aq'])), []);
  const again = (await ok(d, ['create', '--name', 'yy', 'busybox'])).trim();
  await ok(d, ['rm', again]);
  await ok(d, ['rmi', 'busybox']);
});

test('containers survive a daemon restart', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  await ok(d, ['load', '-i', busybox.path]);
  const id = (await ok(d, ['create', '--name', 'keep', 'busybox', 'true'])).trim();
  d.kill('SIGKILL');
  await d.exited;
  await d.restart();
  assert.equal(await ok(d, ['inspect', '--format', '{{.Id}} {{.State.Status}}', 'keep']), `${id} created\n`);
  // The image is still whole: its layers were held by the container across the start-up sweep.
  assert.match(await ok(d, ['images']), /busybox\s+latest/);
  await ok(d, ['rm', 'keep']);
});
