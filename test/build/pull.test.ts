import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOCKER_CLI_20, startDaemon } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';
import { pushImage, readArchive, startRegistry } from '../registry/registry.js';
import { context } from './helpers.js';

/**
 * FROM and COPY --from of an image that is not here pull it, as dockerd's legacy
 * builder does, with the credentials the CLI sends in X-Registry-Config, the pull's
 * progress in the build's output; `--pull` pulls even an image that is here. Before,
 * berth answered "No such image" (and --pull did nothing).
 */
test('build pulls FROM and COPY --from images it does not have, with the client\'s credentials; --pull pulls again', { timeout: 240_000 }, async (t) => {
  const reg = await startRegistry(t, { user: 'builder', password: 's3cret' });
  await pushImage(reg, 'base', 'v1', await readArchive((await busyboxImage()).path));
  const d = await startDaemon(t);
  const build = (args: string[]) => d.docker(['build', ...args], { cli: DOCKER_CLI_20, timeoutMs: 120_000 });

  const dir = context(t, {
    Dockerfile: `FROM ${reg.host}/base:v1\nCOPY --from=${reg.host}/base:v1 /bin/busybox /copied/busybox\nRUN ["/copied/busybox", "true"]\n`,
  });
  // The 20.10 CLI builds with the legacy builder by default. Without the login the registry refuses the pull, and the build fails saying so.
  const refused = await build(['--network', 'none', '-t', 'pulled:1', dir]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stdout + refused.stderr, /no basic auth credentials|unauthorized/);

  const login = await d.docker(['login', '-u', 'builder', '--password-stdin', reg.host], { input: 's3cret\n' });
  assert.equal(login.code, 0, login.stderr);
  const first = await build(['--network', 'none', '-t', 'pulled:1', dir]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /v1: Pulling from base/);
  assert.match(first.stdout, new RegExp(`Status: Downloaded newer image for ${reg.host}/base:v1`));
  assert.match(first.stdout, /Successfully tagged pulled:1/);
  const images = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  assert.ok(images.stdout.split('\n').includes(`${reg.host}/base:v1`), images.stdout);

  // Here now: no pull without --pull; with it, the registry is asked again.
  const again = await build(['--network', 'none', dir]);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /Pulling from/);
  const forced = await build(['--pull', '--network', 'none', dir]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, new RegExp(`Status: Image is up to date for ${reg.host}/base:v1`));
});
