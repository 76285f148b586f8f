import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { BUSYBOX, busyboxImage, layerTar } from '../helpers/fixtures.js';

/**
 * What a running container sees of its mounts: named volumes outliving it, read-only
 * binds, the image's VOLUME content copied into a fresh volume (once, and not with
 * nocopy), --tmpfs and --mount tmpfs, and the volume events of a run.
 */

async function ok(d: Pick<TestDaemon, 'docker'>, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const lines = (s: string) => s.split('\n').filter(Boolean);

async function run(d: Pick<TestDaemon, 'docker'>, args: string[]): Promise<{ code: number; out: string }> {
  const r = await d.docker(['run', '--rm', '--network', 'none', ...args]);
  return { code: r.code, out: r.stdout + r.stderr };
}

test('volumes, binds and tmpfs in running containers', { timeout: 180_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  const host = tempDir(t);
  const since = Math.floor(Date.now() / 1000);

  // A named volume outlives the container that wrote it.
  let r = await run(d, ['-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo kept > /data/f']);
  assert.equal(r.code, 0, r.out);
  r = await run(d, ['-v', 'keep:/other', 'busybox', 'cat', '/other/f']);
  assert.equal(r.out, 'kept\n');
  const mp = (await ok(d, ['volume', 'inspect', '--format', '{{.Mountpoint}}', 'keep'])).trim();
  assert.equal(readFileSync(join(mp, 'f'), 'utf8'), 'kept\n');

  // A bind with :ro is read-only inside; without, writes reach the host.
  writeFileSync(join(host, 'in'), 'from host\n');
  r = await run(d, ['-v', `${host}:/x:ro`, 'busybox', 'sh', '-c', 'cat /x/in; touch /x/new']);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /from host\n[^]*Read-only file system/);
  r = await run(d, ['-v', `${host}:/x`, 'busybox', 'touch', '/x/new']);
  assert.equal(r.code, 0, r.out);
  assert.ok(statSync(join(host, 'new')).isFile());
  // A missing -v source is made; a --mount one is refused.
  r = await run(d, ['-v', `${host}/made/here:/y`, 'busybox', 'true']);
  assert.equal(r.code, 0, r.out);
  assert.ok(statSync(join(host, 'made/here')).isDirectory());
  mkdirSync(join(host, 'gone'));
  const strict = (await ok(d, ['create', '--mount', `type=bind,source=${host}/gone,target=/g`, 'busybox', 'true'])).trim();
  rmdirSync(join(host, 'gone'));
  const refused = await d.docker(['start', strict]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, new RegExp(`invalid mount config for type "bind": bind source path does not exist: ${host}/gone`));
  await ok(d, ['rm', strict]);

  // --tmpfs and --mount type=tmpfs: a tmpfs, with its options.
  r = await run(d, ['--tmpfs', '/t:size=1m', '--mount', 'type=tmpfs,target=/u,tmpfs-mode=1770', 'busybox', 'sh', '-c', 'grep -E " /(t|u) " /proc/mounts; stat -c %a /u']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^tmpfs \/t tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k/m);
  assert.match(r.out, /^tmpfs \/u tmpfs /m);
  assert.match(r.out, /^1770$/m);

  // Volumes with the local driver's mount options: mounted while used, never deleted through.
  await ok(d, ['volume', 'create', '--label', 'opt', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m,mode=700', 'tv']);
  r = await run(d, ['-v', 'tv:/tv', 'busybox', 'sh', '-c', 'grep " /tv " /proc/mounts; echo x > /tv/f; stat -c %a /tv']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^tmpfs \/tv tmpfs rw,.*size=1024k/m);
  assert.match(r.out, /^700$/m);
  const tvData = (await ok(d, ['volume', 'inspect', '--format', '{{.Mountpoint}}', 'tv'])).trim();
  assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${tvData} `), 'unmounted after the run');
  assert.equal(readdirSync(tvData).length, 0, 'the tmpfs content went with it');
  mkdirSync(join(host, 'bound'));
  writeFileSync(join(host, 'bound', 'mine'), 'host data\n');
  await ok(d, ['volume', 'create', '--label', 'opt', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${host}/bound`, 'bv']);
  r = await run(d, ['-v', 'bv:/bv', 'busybox', 'sh', '-c', 'cat /bv/mine; echo new > /bv/theirs']);
  assert.equal(r.out, 'host data\n');
  assert.equal(readFileSync(join(host, 'bound', 'theirs'), 'utf8'), 'new\n');
  assert.match(await ok(d, ['volume', 'prune', '-f', '--filter', 'label=opt']), /Total reclaimed space: 0B/);
  assert.deepEqual(lines(await ok(d, ['volume', 'ls', '-q', '--filter', 'name=^[bt]v$'])).sort(), ['bv', 'tv'], 'prune skips volumes with options');
  await ok(d, ['volume', 'rm', 'bv', 'tv']);
  assert.equal(readFileSync(join(host, 'bound', 'mine'), 'utf8'), 'host data\n', 'rm never deletes through the mount');

  // The image's VOLUME: its content is copied into the new anonymous volume.
  const layer = await layerTar([
    { type: 'directory', name: 'bin/', mode: 0o755 },
    { type: 'file', name: 'bin/busybox', mode: 0o755, content: readFileSync(BUSYBOX) },
    { type: 'symlink', name: 'bin/sh', target: 'busybox' },
    { type: 'symlink', name: 'bin/cat', target: 'busybox' },
    { type: 'symlink', name: 'bin/ls', target: 'busybox' },
    { type: 'directory', name: 'seed/', mode: 0o750 },
    { type: 'file', name: 'seed/hello', mode: 0o600, content: 'seeded\n' },
    { type: 'symlink', name: 'seed/link', target: 'hello' },
  ]);
  const tar = join(host, 'seed.tar');
  writeFileSync(tar, layer);
  await ok(d, ['import', '--change', 'VOLUME /seed', '--change', 'CMD ["sh"]', tar, 'seeded']);
  const c = (await ok(d, ['create', 'seeded', 'cat', '/seed/link'])).trim();
  await ok(d, ['start', '-a', c]).then((out) => assert.equal(out, 'seeded\n'));
  const vol = JSON.parse(await ok(d, ['inspect', '--format', '{{json .Mounts}}', c]))[0] as { Name: string; Source: string };
  assert.equal(readFileSync(join(vol.Source, 'hello'), 'utf8'), 'seeded\n');
  assert.equal(statSync(vol.Source).mode & 0o7777, 0o750, 'the directory takes the image\'s mode');
  assert.equal(statSync(join(vol.Source, 'hello')).mode & 0o7777, 0o600);
  // A named volume is seeded too when empty, not with nocopy, not when it has data.
  assert.equal((await run(d, ['-v', 'fresh:/seed', 'seeded', 'cat', '/seed/hello'])).out, 'seeded\n');
  assert.equal((await run(d, ['-v', 'bare:/seed:nocopy', 'seeded', 'ls', '/seed'])).out, '');
  assert.equal((await run(d, ['-v', 'keep:/seed', 'seeded', 'ls', '/seed'])).out, 'f\n');
  // The copy happens once: what the container deletes stays deleted at its next start.
  const once = (await ok(d, ['create', '-v', 'once:/seed', 'seeded', 'sh', '-c', 'ls /seed; rm -f /seed/*'])).trim();
  assert.equal(await ok(d, ['start', '-a', once]), 'hello\nlink\n');
  assert.equal(await ok(d, ['start', '-a', once]), '');

  // Volume events of a run: create, mount, and destroy at rm -v.
  await ok(d, ['rm', '-v', c, once]);
  const events = await ok(d, ['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1),
    '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}}']);
  assert.match(events, /^create keep$/m);
  assert.match(events, /^mount keep\nunmount keep$/m);
  assert.match(events, new RegExp(`^mount ${vol.Name}$`, 'm'));
  assert.match(events, new RegExp(`^destroy ${vol.Name}$`, 'm'));

  for (const v of ['keep', 'fresh', 'bare', 'once']) await ok(d, ['volume', 'rm', v]);
  await ok(d, ['rmi', 'seeded']);
});
