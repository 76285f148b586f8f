import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_CLI_20, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage, multiLayerImage } from '../helpers/fixtures.js';
import { blobFile, pushImage, putManifestList, readArchive, sha256, startRegistry } from './registry.js';

/**
 * `docker pull` into berth from a real registry (Debian's docker-registry on a
 * loopback port, plain HTTP as dockerd uses for loopback), filled through the
 * registry's own API with the busybox fixtures.
 */

async function ok(d: Pick<TestDaemon, 'docker'>, args: string[], cli?: string): Promise<string> {
  const r = await d.docker(args, cli ? { cli, timeoutMs: 120_000 } : { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function fails(d: Pick<TestDaemon, 'docker'>, args: string[]): Promise<string> {
  const r = await d.docker(args);
  assert.notEqual(r.code, 0, `docker ${args.join(' ')} should fail: ${r.stdout}`);
  return r.stderr;
}

const layerDirs = (d: TestDaemon): string[] => {
  try { return readdirSync(join(d.dir, 'data/image/layerdb/sha256')); } catch { return []; }
};

test('pull by tag and digest, up to date, Already exists, images --digests, run', { timeout: 240_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const busybox = await busyboxImage();
  const multi = await multiLayerImage();
  const pushed = await pushImage(reg, 'busybox', 'latest', await readArchive(busybox.path));
  await pushImage(reg, 'lib/multi', 'v1', await readArchive(multi.path), { oci: true });
  const d = await startDaemon(t);
  const name = `${reg.host}/busybox`;

  const out = await ok(d, ['pull', name], DOCKER_CLI_20);
  assert.match(out, /latest: Pulling from busybox\n/);
  assert.match(out, /Pull complete\n/);
  assert.match(out, new RegExp(`Digest: ${pushed.digest}\n`));
  assert.match(out, new RegExp(`Status: Downloaded newer image for ${name}:latest\n`));
  const info = JSON.parse(await ok(d, ['image', 'inspect', name]))[0];
  assert.equal(info.Id, busybox.id);
  assert.deepEqual(info.RepoTags, [`${name}:latest`]);
  assert.deepEqual(info.RepoDigests, [`${name}@${pushed.digest}`]);
  assert.match(await ok(d, ['images', '--digests', name]), new RegExp(`${name}\\s+latest\\s+${pushed.digest}\\s+${busybox.id.slice(7, 19)}`));
  assert.equal((await ok(d, ['run', '--rm', '--network', 'none', name, 'echo', 'pulled'])).trim(), 'pulled');

  // Again: nothing to download, and the status says so (dockerd lists no layers for an image it has).
  const again = await ok(d, ['pull', name]);
  assert.doesNotMatch(again, /Already exists/);
  assert.match(again, new RegExp(`Status: Image is up to date for ${name}:latest`));

  // By digest, after the tag is gone: the digest reference comes back.
  await ok(d, ['rmi', `${name}:latest`]);
  const byDigest = await ok(d, ['pull', `${name}@${pushed.digest}`]);
  assert.match(byDigest, new RegExp(`Status: Downloaded newer image for ${name}@${pushed.digest}`));
  assert.equal(JSON.parse(await ok(d, ['image', 'inspect', `${name}@${pushed.digest}`]))[0].Id, busybox.id);

  // The multi-layer image shares the busybox layer: it is not downloaded again.
  const m = await ok(d, ['pull', `${reg.host}/lib/multi:v1`]);
  assert.equal((m.match(/Already exists/g) ?? []).length, 1, m);
  assert.equal((m.match(/Pull complete/g) ?? []).length, 2, m);
  assert.equal(JSON.parse(await ok(d, ['image', 'inspect', `${reg.host}/lib/multi:v1`]))[0].Id, multi.id);
  assert.equal((await ok(d, ['run', '--rm', '--network', 'none', `${reg.host}/lib/multi:v1`, 'cat', '/etc/layer3'])).trim(), 'layer three');

  // Unknown tag and repository, in dockerd's words.
  assert.match(await fails(d, ['pull', `${name}:nosuch`]), new RegExp(`manifest for ${name}:nosuch not found: manifest unknown: manifest unknown`));
  assert.match(await fails(d, ['pull', `${reg.host}/nosuch`]), /not found: manifest unknown/);
});

test('manifest lists pick the platform; --all-tags pulls every tag', { timeout: 240_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const busybox = await readArchive((await busyboxImage()).path);
  const amd = await pushImage(reg, 'multi', 'amd64-only', busybox);
  // An arm64 "image": same layer, its own config (never run here, only picked).
  const armConfig = Buffer.from(JSON.parse(JSON.stringify(busybox.config.toString())).replace('"architecture":"amd64"', '"architecture":"arm64","variant":"v8"'));
  const arm = await pushImage(reg, 'multi', 'arm64-only', { config: armConfig, layers: busybox.layers });
  const { digest: listDigest } = await putManifestList(reg, 'multi', 'latest', [
    { image: arm, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    { image: amd, platform: { architecture: 'amd64', os: 'linux' } },
  ]);
  const d = await startDaemon(t);
  const name = `${reg.host}/multi`;

  const out = await ok(d, ['pull', name]);
  assert.match(out, new RegExp(`Digest: ${listDigest}`));
  assert.equal(JSON.parse(await ok(d, ['image', 'inspect', name]))[0].Id, sha256(busybox.config));
  await ok(d, ['pull', '--platform', 'linux/arm64', name]);
  const armInfo = JSON.parse(await ok(d, ['image', 'inspect', name]))[0];
  assert.equal(armInfo.Id, sha256(armConfig));
  assert.equal(armInfo.Architecture, 'arm64');
  assert.match(await fails(d, ['pull', '--platform', 'linux/s390x', name]), /no matching manifest for linux\/s390x in the manifest list entries/);

  const all = await ok(d, ['pull', '--all-tags', name]);
  assert.match(all, new RegExp(`Status: Downloaded newer image for ${name}\\n`));
  const tags = (await ok(d, ['images', '--format', '{{.Tag}}', name])).split('\n').filter(Boolean).sort();
  assert.deepEqual(tags, ['amd64-only', 'arm64-only', 'latest']);
});

test('hostile registry content: digest mismatch, missing blob, tar escape; nothing half-registered', { timeout: 240_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const img = await readArchive((await multiLayerImage()).path);
  const d = await startDaemon(t);

  // A stored layer blob altered behind the registry's back (it serves it as is).
  const bad = await pushImage(reg, 'corrupt', 'latest', img);
  const top = blobFile(reg, bad.layers[2]!.digest);
  const bytes = (await import('node:fs')).readFileSync(top);
  bytes[bytes.length - 5] ^= 0xff;
  writeFileSync(top, bytes);
  assert.match(await fails(d, ['pull', `${reg.host}/corrupt`]), new RegExp(`filesystem layer verification failed for digest ${bad.layers[2]!.digest}|invalid gzip data|layer content does not match`));
  assert.deepEqual(JSON.parse(await ok(d, ['images', '--format', '{{json .}}', '-a'])  || 'null'), null);
  assert.deepEqual(layerDirs(d), []);

  // A manifest naming a blob the registry does not have.
  const missing = await pushImage(reg, 'missing', 'latest', img);
  rmSync(blobFile(reg, missing.layers[1]!.digest));
  assert.notEqual((await d.docker(['pull', `${reg.host}/missing`])).code, 0);
  assert.deepEqual(layerDirs(d), []);

  // Layers that try to write outside their root: `..` is refused; a symlink to an
  // absolute path is followed inside the root only (as dockerd's chrooted untar).
  const { layerTar } = await import('../helpers/fixtures.js');
  const evilImage = async (repo: string, layer: Buffer) => {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
    await pushImage(reg, repo, 'latest', { config, layers: [layer] });
  };
  await evilImage('dotdot', await layerTar([{ type: 'file', name: '../../berth-registry-escape', mode: 0o644, content: 'x' }]));
  assert.notEqual((await d.docker(['pull', `${reg.host}/dotdot`])).code, 0);
  assert.deepEqual(layerDirs(d), []);
  await evilImage('symlink', await layerTar([{ type: 'symlink', name: 'escape', target: '/tmp' }, { type: 'file', name: 'escape/berth-registry-escape', mode: 0o644, content: 'x' }]));
  await d.docker(['pull', `${reg.host}/symlink`]);
  assert.equal(existsSync('/tmp/berth-registry-escape'), false);
  assert.equal(existsSync('/berth-registry-escape'), false);

  // Still serving, and a good image pulls.
  // (Blobs are shared across a registry's repositories: a fresh image, not the altered ones.)
  await pushImage(reg, 'good', 'latest', await readArchive((await busyboxImage()).path));
  await ok(d, ['pull', `${reg.host}/good`]);
});
