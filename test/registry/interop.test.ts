import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { ok } from '../helpers/cli.js';
import { busyboxImage, multiLayerImage } from '../helpers/fixtures.js';
import { referenceSkipReason, startReferenceDockerd, type ReferenceDockerd } from '../archive/reference-dockerd.js';
import { pushImage, putManifestList, readArchive, startRegistry } from './registry.js';

/**
 * Round trips through one docker-registry between berth and the reference dockerd
 * 20.10 (its own socket, data root, exec root; no bridge, no iptables): the same
 * pushed image pulls into both with the same image ID, RepoDigests and layers, and
 * an image dockerd pushes pulls into berth unchanged and runs there; once berth
 * pushes, what it pushes pulls into dockerd and runs there.
 */
const skip = referenceSkipReason();

interface Seen { Id: string; RepoDigests: string[]; Layers: string[]; Platform: string }

async function refOk(r: ReferenceDockerd, args: string[]): Promise<string> {
  const out = await r.docker(args);
  assert.equal(out.code, 0, `dockerd: docker ${args.join(' ')}: ${out.stderr}`);
  return out.stdout.toString();
}

const view = (json: string): Seen => {
  const i = JSON.parse(json)[0] as { Id: string; RepoDigests: string[]; RootFS: { Layers: string[] }; Os: string; Architecture: string };
  return { Id: i.Id, RepoDigests: [...i.RepoDigests].sort(), Layers: i.RootFS.Layers, Platform: `${i.Os}/${i.Architecture}` };
};

test('images pushed through the registry API, and by dockerd, pull into berth and dockerd alike', { skip: skip ?? false, timeout: 300_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const busybox = await busyboxImage();
  const multi = await multiLayerImage();
  const bb = await readArchive(busybox.path);
  const schema2 = await pushImage(reg, 'fixture/busybox', 'latest', bb);
  await pushImage(reg, 'fixture/multi', 'oci', await readArchive(multi.path), { oci: true });
  // A manifest list whose amd64 entry is the schema 2 manifest above.
  const arm = await pushImage(reg, 'fixture/busybox', 'arm64', { config: Buffer.from(bb.config.toString().replace('"architecture":"amd64"', '"architecture":"arm64"')), layers: bb.layers });
  await putManifestList(reg, 'fixture/busybox', 'list', [
    { image: arm, platform: { architecture: 'arm64', os: 'linux' } },
    { image: schema2, platform: { architecture: 'amd64', os: 'linux' } },
  ]);
  const ref = await startReferenceDockerd(t);
  const d = await startDaemon(t);

  for (const [name, id] of [['fixture/busybox:latest', busybox.id], ['fixture/multi:oci', multi.id], ['fixture/busybox:list', busybox.id]] as const) {
    const full = `${reg.host}/${name}`;
    await refOk(ref, ['pull', full]);
    await ok(d, ['pull', full]);
    const theirs = view(await refOk(ref, ['image', 'inspect', full]));
    const ours = view(await ok(d, ['image', 'inspect', full]));
    assert.equal(ours.Id, id, name);
    assert.deepEqual(ours, theirs, name);
  }
  assert.equal((await ok(d, ['run', '--rm', '--network', 'none', `${reg.host}/fixture/multi:oci`, 'cat', '/etc/layer3'])).trim(), 'layer three');

  // dockerd pushes an image of its own (loaded from the fixture archive, so its layers
  // are gzipped by dockerd); berth pulls it with the same ID and runs it.
  await refOk(ref, ['load', '-i', multi.path]);
  const byDockerd = `${reg.host}/from/dockerd:v1`;
  await refOk(ref, ['tag', multi.tag, byDockerd]);
  const pushOut = await refOk(ref, ['push', byDockerd]);
  const digest = /v1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(pushOut)?.[1];
  assert.ok(digest, pushOut);
  await ok(d, ['pull', byDockerd]);
  const pulled = view(await ok(d, ['image', 'inspect', byDockerd]));
  assert.equal(pulled.Id, multi.id);
  assert.ok(pulled.RepoDigests.includes(`${reg.host}/from/dockerd@${digest}`), JSON.stringify(pulled.RepoDigests));
  // The same image in both daemons: pulled as fixture/multi:oci before, pushed or pulled as from/dockerd now.
  assert.deepEqual(pulled, view(await refOk(ref, ['image', 'inspect', byDockerd])));
  assert.equal((await ok(d, ['run', '--rm', '--network', 'none', byDockerd, 'cat', '/etc/layer3'])).trim(), 'layer three');
});

test('an image berth pushes pulls into dockerd and runs there', { skip: skip ?? false, timeout: 300_000 }, async (t: TestContext) => {
  const d = await startDaemon(t);
  if (!(await pushServed(d))) {
    t.skip('berth does not serve push yet');
    return;
  }
  const reg = await startRegistry(t);
  const multi = await multiLayerImage();
  await ok(d, ['load', '-i', multi.path]);
  const name = `${reg.host}/from/berth:v1`;
  await ok(d, ['tag', multi.tag, name]);
  const out = await ok(d, ['push', name]);
  const digest = /v1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(out)?.[1];
  assert.ok(digest, out);

  const ref = await startReferenceDockerd(t);
  await refOk(ref, ['pull', name]);
  const theirs = view(await refOk(ref, ['image', 'inspect', name]));
  assert.equal(theirs.Id, multi.id);
  assert.deepEqual(theirs.RepoDigests, [`${reg.host}/from/berth@${digest}`]);
  assert.equal((await refOk(ref, ['run', '--rm', '--network', 'none', name, 'cat', '/etc/layer3'])).trim(), 'layer three');
  // And back into berth by digest, the same image.
  await ok(d, ['rmi', name]);
  await ok(d, ['pull', `${reg.host}/from/berth@${digest}`]);
  assert.equal(view(await ok(d, ['image', 'inspect', `${reg.host}/from/berth@${digest}`])).Id, multi.id);
});

/** Whether berth's push route is served yet (not the 501 of a pending route). */
function pushServed(d: TestDaemon): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, method: 'POST', path: '/v1.41/images/berth-no-such-image/push' }, (res) => {
      res.resume();
      resolve(res.statusCode !== 501);
    });
    req.on('error', reject);
    req.end();
  });
}
