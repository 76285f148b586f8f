import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { DOCKER_CLI_20, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage, multiLayerImage } from '../helpers/fixtures.js';
import { ok, fails } from '../helpers/cli.js';

/**
 * docker images / tag / image inspect / history / rmi / image prune through a real
 * berth daemon and the real docker CLIs (28 and 20.10), on fixture images loaded
 * with `docker load`.
 */

/** A raw API call on the daemon's socket. */
function api(d: TestDaemon, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ socketPath: d.socket, method, path }, (r) => {
      let body = '';
      r.on('data', (c) => { body += c; });
      r.on('end', () => res({ status: r.statusCode!, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

const lines = (s: string) => s.split('\n').filter(Boolean);

test('images, tag, inspect, history, rmi and prune with the docker CLI', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  const multi = await multiLayerImage();
  await ok(d, ['load', '-i', busybox.path]);
  await ok(d, ['load', '-i', multi.path]);
  const short = (id: string) => id.slice(7, 19);

  // docker images and its flags.
  const table = await ok(d, ['images']);
  assert.match(table, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE/);
  assert.match(table, new RegExp(`busybox\\s+latest\\s+${short(busybox.id)}`));
  assert.deepEqual(lines(await ok(d, ['images', '-q'])).sort(), [short(busybox.id), short(multi.id)].sort());
  assert.deepEqual(lines(await ok(d, ['images', '-q', '--no-trunc'])).sort(), [busybox.id, multi.id].sort());
  assert.match(await ok(d, ['images', '--digests']), /busybox\s+latest\s+<none>\s+/);
  assert.deepEqual(lines(await ok(d, ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=busybox'])), ['busybox:latest']);
  assert.deepEqual(lines(await ok(d, ['images', '-q', '--filter', 'dangling=true'])), []);
  assert.deepEqual(lines(await ok(d, ['images', '-q', '--filter', `before=${multi.tag}`, '--filter', `since=${busybox.id}`])), []);
  // The 20.10 CLI reads the same listing.
  assert.match(await ok(d, ['images'], DOCKER_CLI_20), /busybox-multi\s+latest/);

  // tag: valid, invalid, unknown.
  await ok(d, ['tag', 'busybox', 'localhost:5000/a/b:v1']);
  await ok(d, ['tag', short(busybox.id), 'mine']);
  assert.match(await ok(d, ['images', '--format', '{{.Repository}}:{{.Tag}}']), /localhost:5000\/a\/b:v1/);
  // The CLI checks this itself (CLI 28's parser names the component); the API says it too.
  assert.match(await fails(d, ['tag', 'busybox', 'UPPER/Case']), /repository name (\(Case\) )?must be lowercase/);
  assert.match(await fails(d, ['tag', 'nothere', 'x']), /No such image: nothere:latest/);

  // inspect.
  const info = JSON.parse(await ok(d, ['image', 'inspect', 'busybox']))[0];
  assert.equal(info.Id, busybox.id);
  assert.deepEqual(info.RepoTags, ['busybox:latest', 'localhost:5000/a/b:v1', 'mine:latest']);
  assert.deepEqual(info.RepoDigests, []);
  assert.deepEqual(info.RootFS, { Type: 'layers', Layers: busybox.diffIds });
  assert.deepEqual(info.Config.Cmd, ['sh']);
  assert.ok(info.Size > 500_000, 'the busybox binary is in the size');
  assert.equal(typeof info.GraphDriver.Name, 'string');
  assert.equal(await ok(d, ['image', 'inspect', '--format', '{{.Os}}/{{len .RootFS.Layers}}', multi.tag]), 'linux/3\n');
  assert.match(await fails(d, ['image', 'inspect', 'nothere']), /No such image: nothere/);

  // history: newest first, the image's ID on the top row only.
  const hist = lines(await ok(d, ['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}', multi.tag]));
  assert.equal(hist.length, 3);
  assert.equal(hist[0], `${multi.id}|RUN rm etc/delete-me; rm -r opaque/*; touch opaque/c`);
  assert.equal(hist[2], '<missing>|ADD busybox-static /bin/busybox');

  // rmi: untag while other references remain; then delete with the layers.
  assert.equal(await ok(d, ['rmi', 'localhost:5000/a/b:v1']), 'Untagged: localhost:5000/a/b:v1\n');
  assert.match(await fails(d, ['rmi', short(busybox.id)]), /conflict: unable to delete \w{12} \(must be forced\) - image is referenced in multiple repositories/);
  assert.match(await fails(d, ['rmi', 'nothere']), /No such image: nothere:latest/);
  // save of a bare name means all its tags: dockerd names it as given, tag-less.
  assert.match(await fails(d, ['save', 'nothere']), /No such image: nothere\n/);
  // An unknown tag is looked up in dockerd's reference store only, whose words these are.
  assert.match(await fails(d, ['save', 'nothere:2']), /Error response from daemon: reference does not exist\n/);
  assert.match(await fails(d, ['images', '--filter', 'reference=[[']), /Error response from daemon: syntax error in pattern\n/);
  const gone = lines(await ok(d, ['rmi', '-f', short(busybox.id)]));
  assert.deepEqual(gone.slice(0, 3), ['Untagged: busybox:latest', 'Untagged: mine:latest', `Deleted: ${busybox.id}`]);
  assert.equal(gone.length, 3, 'its one layer stays: busybox-multi is built on it');

  // A bad request or an unknown image is a 4xx, and the daemon keeps serving.
  assert.equal((await api(d, 'GET', '/images/nothere/json')).status, 404);
  assert.deepEqual(await api(d, 'POST', '/images/busybox-multi/tag?repo=UPPER/Case'),
    { status: 400, body: '{"message":"invalid reference format: repository name must be lowercase"}\n' });
  assert.equal((await api(d, 'GET', '/images/json?filters=%7Bbad')).status, 400);
  assert.equal((await api(d, 'GET', '/_ping')).status, 200);

  // State survives a restart (and kill -9 does not lose loaded images).
  d.kill('SIGKILL');
  await d.exited;
  await d.restart();
  assert.deepEqual(lines(await ok(d, ['images', '-q', '--no-trunc'])), [multi.id]);

  // prune: nothing dangling.
  assert.match(await ok(d, ['image', 'prune', '-f']), /Total reclaimed space: 0B/);
  assert.match(await ok(d, ['rmi', multi.tag]), /Deleted: /);
  assert.deepEqual(lines(await ok(d, ['images', '-q'])), []);
});

test('a tag moved away leaves a <none> image that image prune removes', { timeout: 120_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  const multi = await multiLayerImage();
  await ok(d, ['load', '-i', busybox.path]);
  await ok(d, ['load', '-i', multi.path]);
  // The 20.10 CLI drives the same routes.
  assert.match(await ok(d, ['history', multi.tag], DOCKER_CLI_20), /RUN rm etc\/delete-me/);
  assert.equal(await ok(d, ['image', 'inspect', '--format', '{{.Id}}', 'busybox'], DOCKER_CLI_20), `${busybox.id}\n`);
  await ok(d, ['tag', 'busybox', 'old-cli:v1'], DOCKER_CLI_20);
  assert.equal(await ok(d, ['rmi', 'old-cli:v1'], DOCKER_CLI_20), 'Untagged: old-cli:v1\n');
  // Moving busybox:latest onto the other image leaves the first one untagged.
  await ok(d, ['tag', multi.tag, 'busybox']);
  assert.match(await ok(d, ['images']), new RegExp(`<none>\\s+<none>\\s+${busybox.id.slice(7, 19)}`));
  assert.deepEqual(lines(await ok(d, ['images', '-q', '--no-trunc', '--filter', 'dangling=true'])), [busybox.id]);
  // One row per tag: the other image is listed as busybox and busybox-multi.
  assert.deepEqual(lines(await ok(d, ['images', '-q', '--no-trunc', '--filter', 'dangling=false'])), [multi.id, multi.id]);
  const pruned = await ok(d, ['image', 'prune', '-f']);
  assert.match(pruned, new RegExp(`deleted: ${busybox.id}`));
  assert.match(pruned, /Total reclaimed space: 0B/, 'its layer is busybox-multi\'s base');
  assert.deepEqual(lines(await ok(d, ['images', '-q', '--no-trunc'])), [multi.id, multi.id]);
  // `-a` prune removes tagged images no container uses.
  const all = await ok(d, ['image', 'prune', '-a', '-f']);
  assert.match(all, /untagged: busybox:latest/);
  assert.match(all, new RegExp(`deleted: ${multi.diffIds[0]}`), 'the base layer goes with the last image');
  assert.match(all, /Total reclaimed space: [1-9][\d.]*MB/);
  assert.deepEqual(lines(await ok(d, ['images', '-q'])), []);
});
