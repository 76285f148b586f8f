import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_CLI_20, startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { ok } from '../helpers/cli.js';
import { busyboxImage, dockerArchive, layerTar, multiLayerImage } from '../helpers/fixtures.js';
import { referenceSkipReason, startReferenceDockerd } from '../archive/reference-dockerd.js';
import { call, startRegistry, type TestRegistry } from './registry.js';
import { startTokenServer } from './token-server.js';
import { startFaultProxy } from './fault-proxy.js';

/**
 * `docker push` from berth into Debian's docker-registry on a loopback port: the
 * progress lines dockerd 20.10 writes, blobs skipped when the registry has them,
 * mounted from another repository when berth pulled or pushed them there, uploaded
 * in chunks when big; what berth pushes pulls elsewhere with the same image ID.
 */

const digestOf = (out: string, tag: string): string => {
  const m = new RegExp(`${tag}: digest: (sha256:[0-9a-f]{64}) size: (\\d+)`).exec(out);
  assert.ok(m, out);
  return m[1]!;
};

async function fails(d: Pick<TestDaemon, 'docker'>, args: string[], cli?: string): Promise<string> {
  const r = await d.docker(args, cli ? { cli } : {});
  assert.notEqual(r.code, 0, `docker ${args.join(' ')} should fail: ${r.stdout}`);
  return r.stderr;
}

/** What the registry itself says the tag's manifest digest is. */
async function registryDigest(reg: TestRegistry, repo: string, tag: string): Promise<string> {
  const r = await call(reg, 'HEAD', `/v2/${repo}/manifests/${tag}`, undefined, { accept: 'application/vnd.docker.distribution.manifest.v2+json' });
  assert.equal(r.status, 200);
  return String(r.headers['docker-content-digest']);
}

test('push: progress lines, layers that exist, mounts, RepoDigests; pulled elsewhere with the same ID', { timeout: 240_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const d = await startDaemon(t);
  const busybox = await busyboxImage();
  const multi = await multiLayerImage();
  await ok(d, ['load', '-i', busybox.path]);
  await ok(d, ['load', '-i', multi.path]);
  const bb = `${reg.host}/busybox`;
  await ok(d, ['tag', 'busybox', bb]);
  const id = (diffId: string): string => diffId.slice(7, 19);

  const out = await ok(d, ['push', bb], DOCKER_CLI_20);
  assert.match(out, new RegExp(`^Using default tag: latest\\nThe push refers to repository \\[${reg.host}/busybox\\]\\n`));
  assert.match(out, new RegExp(`${id(busybox.diffIds[0]!)}: Preparing\\n`));
  assert.match(out, new RegExp(`${id(busybox.diffIds[0]!)}: Pushed\\n`));
  const digest = digestOf(out, 'latest');
  assert.match(out, new RegExp(`latest: digest: ${digest} size: 527\\n$`));
  assert.equal(await registryDigest(reg, 'busybox', 'latest'), digest);
  assert.deepEqual(JSON.parse(await ok(d, ['image', 'inspect', '-f', '{{json .RepoDigests}}', bb])), [`${bb}@${digest}`]);

  // Again: the registry has every blob; the same compressed layer, so the same digest.
  const again = await ok(d, ['push', bb]);
  assert.match(again, new RegExp(`${id(busybox.diffIds[0]!)}: Layer already exists`));
  assert.equal(digestOf(again, 'latest'), digest);

  // Another repository of the same registry: the shared bottom layer is mounted, the rest pushed.
  // Two tags of one image: the second finds every layer there.
  const lib = `${reg.host}/lib/multi`;
  await ok(d, ['tag', 'busybox-multi', `${lib}:v1`]);
  await ok(d, ['tag', 'busybox-multi', `${lib}:v2`]);
  const m = await ok(d, ['push', '--all-tags', lib], DOCKER_CLI_20);
  assert.match(m, new RegExp(`${id(multi.diffIds[0]!)}: Mounted from busybox\\n`));
  assert.equal((m.match(/: Pushed\n/g) ?? []).length, 2, m);
  assert.equal((m.match(/: Layer already exists\n/g) ?? []).length, 3, m);
  assert.equal(digestOf(m, 'v1'), digestOf(m, 'v2'));
  // Preparing goes top layer first, as dockerd lists them.
  assert.ok(m.indexOf(`${id(multi.diffIds[2]!)}: Preparing`) < m.indexOf(`${id(multi.diffIds[0]!)}: Preparing`), m);

  // A second daemon pulls both with the same image IDs and runs them.
  const e = await startDaemon(t);
  await ok(e, ['pull', `${lib}:v1`]);
  assert.equal(JSON.parse(await ok(e, ['image', 'inspect', `${lib}:v1`]))[0].Id, multi.id);
  assert.equal((await ok(e, ['run', '--rm', '--network', 'none', `${lib}:v1`, 'cat', '/etc/layer3'])).trim(), 'layer three');
  await ok(e, ['pull', bb]);
  assert.equal(JSON.parse(await ok(e, ['image', 'inspect', bb]))[0].Id, busybox.id);

  // What e pulled, it pushes elsewhere in the registry by mounting the pulled blobs,
  // and back where it came from without uploading anything: the manifest is the same.
  await ok(e, ['tag', bb, `${reg.host}/copy/busybox`]);
  const copied = await ok(e, ['push', `${reg.host}/copy/busybox`]);
  assert.match(copied, new RegExp(`${id(busybox.diffIds[0]!)}: Mounted from busybox\\n`));
  assert.equal(digestOf(copied, 'latest'), digest);
  const back = await ok(e, ['push', bb]);
  assert.match(back, /Layer already exists/);
  assert.equal(digestOf(back, 'latest'), digest);

  // The push events, as dockerd's: id the reference pushed, name the repository.
  const events = await ok(d, ['events', '--since', '0', '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'event=push', '--format', '{{.Actor.ID}} {{.Actor.Attributes.name}}']);
  assert.deepEqual(events.trim().split('\n'), [`${bb}:latest ${bb}`, `${bb}:latest ${bb}`, `${lib} ${lib}`]);
});

test('push: a berth-built image and a big layer (chunked upload) pull into berth elsewhere, and into dockerd', { timeout: 300_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const d = await startDaemon(t, { args: ['--max-concurrent-uploads', '1'] });
  await ok(d, ['load', '-i', (await busyboxImage()).path]);

  // 10 MiB that gzip cannot shrink and 4 MiB of text: a blob of several gzip members
  // (stored and compressed), uploaded as two PATCHes and a PUT.
  const big = await layerTar([
    { type: 'file', name: 'big.bin', mode: 0o644, content: randomBytes(10 << 20) },
    { type: 'file', name: 'text.txt', mode: 0o644, content: 'all work and no play\n'.repeat(200_000) },
  ]);
  const archive = await dockerArchive('bigimage:latest', [big], ['ADD big.bin /']);
  const dir = tempDir(t, 'berth-push-');
  writeFileSync(join(dir, 'big.tar'), archive.archive);
  await ok(d, ['load', '-i', join(dir, 'big.tar')]);
  const bigName = `${reg.host}/big`;
  await ok(d, ['tag', 'bigimage', bigName]);

  mkdirSync(join(dir, 'ctx'));
  writeFileSync(join(dir, 'ctx', 'Dockerfile'), 'FROM busybox\nCOPY hello.txt /hello.txt\nRUN echo built > /built\nCMD ["cat", "/built"]\n');
  writeFileSync(join(dir, 'ctx', 'hello.txt'), 'hello\n');
  const built = `${reg.host}/built/app:1.0`;
  await ok(d, ['build', '-q', '-t', built, join(dir, 'ctx')], DOCKER_CLI_20);
  const builtId = JSON.parse(await ok(d, ['image', 'inspect', built]))[0].Id as string;

  const bigOut = await ok(d, ['push', bigName], DOCKER_CLI_20);
  assert.match(bigOut, /: Pushed\n/);
  const out = await ok(d, ['push', built], DOCKER_CLI_20);
  // One upload at a time: the others wait, as dockerd's --max-concurrent-uploads.
  assert.match(out, /: Waiting\n/);
  assert.equal((out.match(/: Pushed\n/g) ?? []).length, 3, out);
  digestOf(out, '1.0');

  const e = await startDaemon(t);
  await ok(e, ['pull', bigName]);
  assert.equal(JSON.parse(await ok(e, ['image', 'inspect', bigName]))[0].Id, archive.id);
  await ok(e, ['pull', built]);
  assert.equal(JSON.parse(await ok(e, ['image', 'inspect', built]))[0].Id, builtId);
  assert.equal((await ok(e, ['run', '--rm', '--network', 'none', built])).trim(), 'built');

  if (referenceSkipReason()) return;
  const ref = await startReferenceDockerd(t);
  const pulledBig = await ref.docker(['pull', bigName]);
  assert.equal(pulledBig.code, 0, pulledBig.stderr);
  assert.equal(JSON.parse((await ref.docker(['image', 'inspect', bigName])).stdout.toString())[0].Id, archive.id);
  const pulled = await ref.docker(['pull', built]);
  assert.equal(pulled.code, 0, pulled.stderr);
  const theirs = JSON.parse((await ref.docker(['image', 'inspect', built])).stdout.toString())[0];
  assert.equal(theirs.Id, builtId);
  const run = await ref.docker(['run', '--rm', '--network', 'none', built, 'cat', '/hello.txt', '/built']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.toString(), 'hello\nbuilt\n');
});

test('push errors in dockerd\'s words: no such image or tag, no credentials, denied', { timeout: 240_000 }, async (t: TestContext) => {
  const basic = await startRegistry(t, { user: 'alice', password: 's3cret' });
  const ts = await startTokenServer(t, { alice: 's3cret' });
  const tokenReg = await startRegistry(t, { token: ts.registryAuth });
  const d = await startDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);

  const nosuch = await fails(d, ['push', `${basic.host}/nosuch`]);
  assert.match(nosuch, new RegExp(`An image does not exist locally with the tag: ${basic.host}/nosuch`));
  await ok(d, ['tag', 'busybox', `${basic.host}/private/busybox`]);
  assert.match(await fails(d, ['push', `${basic.host}/private/busybox:nosuch`]), new RegExp(`tag does not exist: ${basic.host}/private/busybox:nosuch`));

  // Basic auth: nothing without credentials; after docker login the push goes through.
  assert.match(await fails(d, ['push', `${basic.host}/private/busybox`], DOCKER_CLI_20), /no basic auth credentials/);
  await ok(d, ['login', basic.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' });
  assert.match(await ok(d, ['push', `${basic.host}/private/busybox`]), /latest: digest: sha256:/);

  // Token auth: an anonymous client gets a pull-only token, and the registry says denied.
  await ok(d, ['tag', 'busybox', `${tokenReg.host}/public/busybox`]);
  assert.match(await fails(d, ['push', `${tokenReg.host}/public/busybox`], DOCKER_CLI_20), /denied: requested access to the resource is denied/);
  await ok(d, ['login', tokenReg.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' });
  assert.match(await ok(d, ['push', `${tokenReg.host}/public/busybox`]), /latest: digest: sha256:/);
  assert.ok(ts.requests.some((r) => r.account === 'alice' && r.scopes.includes('repository:public/busybox:pull,push')));

  // Nothing listens there.
  await ok(d, ['tag', 'busybox', '127.0.0.1:1/busybox']);
  assert.match(await fails(d, ['push', '127.0.0.1:1/busybox']), /connect: connection refused/);
});

test('push: a big layer goes up in chunks, and an upload the registry fails is tried again', { timeout: 240_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const proxy = await startFaultProxy(t, reg);
  const d = await startDaemon(t);
  const big = await layerTar([{ type: 'file', name: 'big.bin', mode: 0o644, content: randomBytes(18 << 20) }]);
  const archive = await dockerArchive('bigimage:latest', [big], ['ADD big.bin /']);
  const dir = tempDir(t, 'berth-push-');
  writeFileSync(join(dir, 'big.tar'), archive.archive);
  await ok(d, ['load', '-i', join(dir, 'big.tar')]);
  const name = `${proxy.host}/retried`;
  await ok(d, ['tag', 'bigimage', name]);

  // The first PATCH is refused with a 503: dockerd's "Retrying in 5 seconds", then a new session.
  let failed = false;
  proxy.rule = ({ method }) => {
    if (method !== 'PATCH' || failed) return undefined;
    failed = true;
    return { kind: 'answer', status: 503, body: '' };
  };
  const out = await ok(d, ['push', name], DOCKER_CLI_20);
  assert.match(out, new RegExp(`${archive.diffIds[0]!.slice(7, 19)}: Retrying in 5 seconds\\n`));
  assert.match(out, new RegExp(`${archive.diffIds[0]!.slice(7, 19)}: Pushed\\n`));
  const patches = proxy.seen.filter((s) => s.method === 'PATCH');
  // 18 MiB that do not compress: three chunks, after the refused one.
  assert.equal(patches.length, 4, JSON.stringify(proxy.seen));
  assert.equal(proxy.seen.filter((s) => s.method === 'POST').length, 3, 'a session for the first try, the retry and the config');

  const e = await startDaemon(t);
  await ok(e, ['pull', name]);
  assert.equal(JSON.parse(await ok(e, ['image', 'inspect', name]))[0].Id, archive.id);
});
