import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DOCKER_CLI_20, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { busyboxImage } from '../helpers/fixtures.js';
import { onBlob, startFaultProxy } from './fault-proxy.js';
import { call, pushImage, putManifest, readArchive, startRegistry } from './registry.js';

/**
 * Registry behaviours compared with dockerd 20.10 doing the same thing against
 * Debian's docker-registry: what `docker pull` prints for an image it already has
 * and for a digest, concurrent pulls sharing one download, the progress text,
 * `pull --all-tags` order, and `docker login` with stored credentials that fail.
 */

async function ok(d: Pick<TestDaemon, 'docker'>, args: string[], cli?: string): Promise<string> {
  const r = await d.docker(args, { timeoutMs: 120_000, ...(cli ? { cli } : {}) });
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** go-units' HumanSize (4 significant digits), for dockerd's progress text. */
const human = (n: number): string => {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${Number(n.toPrecision(4))}${units[i]}`;
};

function apiPull(socket: string, image: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method: 'POST', path: `/v1.41/images/create?fromImage=${encodeURIComponent(image)}` }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve(text.split(/\r?\n/).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)));
    });
    req.on('error', reject);
    req.end();
  });
}

test('pull: one download for concurrent pulls, no layer lines for an image already here, the digest reference shown, dockerd progress text, --all-tags in registry order', { timeout: 100_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const img = await readArchive((await busyboxImage()).path);
  const pushed = await pushImage(reg, 'sweep/bb', 'b', img);
  // More tags on the same manifest, so --all-tags has an order to keep.
  for (const tag of ['c', 'a']) await putManifest(reg, 'sweep/bb', tag, 'application/vnd.docker.distribution.manifest.v2+json', pushed.manifest);
  const layer = pushed.layers[0]!;
  const proxy = await startFaultProxy(t, reg);
  // The layer trickles, so the second pull starts while the first downloads.
  proxy.rule = onBlob(layer.digest, { kind: 'slow', bytesPerSec: 600_000 }, 5);
  const d = await startDaemon(t);
  const name = `${proxy.host}/sweep/bb`;

  const [one, two] = await Promise.all([ok(d, ['pull', `${name}:b`]), new Promise((r) => setTimeout(r, 300)).then(() => ok(d, ['pull', `${name}:b`]))]);
  const layerGets = proxy.seen.filter((s) => s.method === 'GET' && s.path.endsWith(layer.digest));
  assert.equal(layerGets.length, 1, 'the layer was downloaded once for both pulls');
  for (const out of [one, two]) {
    assert.match(out, /Pull complete\n/);
    assert.match(out, new RegExp(`Digest: ${pushed.digest}\n`));
  }

  // The image is here: dockerd prints no line per layer, only the digest and status.
  const again = await ok(d, ['pull', `${name}:b`], DOCKER_CLI_20);
  assert.equal(again, `b: Pulling from sweep/bb\nDigest: ${pushed.digest}\nStatus: Image is up to date for ${name}:b\n${name}:b\n`);
  // By digest: the whole reference heads the lines.
  const byDigest = await ok(d, ['pull', `${name}@${pushed.digest}`], DOCKER_CLI_20);
  assert.equal(byDigest.split('\n')[0], `${name}@${pushed.digest}: Pulling from sweep/bb`);
  assert.doesNotMatch(byDigest, /Already exists/);

  // --all-tags: each tag in the order the registry lists them.
  const listed = (JSON.parse((await call(reg, 'GET', '/v2/sweep/bb/tags/list')).body.toString()) as { tags: string[] }).tags;
  const all = await ok(d, ['pull', '--all-tags', name]);
  assert.deepEqual([...all.matchAll(/^(\S+): Pulling from/gm)].map((m) => m[1]), listed);

  // The progress text as dockerd's JSONProgress: 51-wide bar with '>', sizes to 4 digits.
  await ok(d, ['rmi', `${name}:a`, `${name}:b`, `${name}:c`]);
  const msgs = await apiPull(d.socket, `${name}:b`);
  const last = msgs.filter((m) => m['status'] === 'Extracting').at(-1)!;
  assert.equal(last['progress'], `[${'='.repeat(50)}>] ${human(layer.size).padStart(8)}/${human(layer.size)}`);
  const first = msgs.find((m) => m['status'] === 'Downloading')!;
  const cur = (first['progressDetail'] as { current: number }).current;
  const pct = Math.min(50, Math.trunc(Math.trunc((cur / layer.size) * 100) / 2));
  assert.equal(first['progress'], `[${'='.repeat(pct)}>${' '.repeat(50 - pct)}] ${human(cur).padStart(8)}/${human(layer.size)}`);
});

test('push without credentials fails as dockerd\'s; login: a refused password is dockerd\'s 500, so the CLI with stored credentials says "Login did not succeed"', { timeout: 60_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t, { user: 'alice', password: 's3cret' });
  const d = await startDaemon(t);
  await ok(d, ['load', '-i', (await busyboxImage()).path]);
  await ok(d, ['tag', 'busybox', `${reg.host}/p/bb:1`]);
  // Without credentials: dockerd's push fails with the bare error its retryOnError unwraps.
  const anon = await d.docker(['push', `${reg.host}/p/bb:1`], { cli: DOCKER_CLI_20 });
  assert.equal(anon.code, 1);
  assert.equal(anon.stderr, 'no basic auth credentials\n');
  const auth = Buffer.from('alice:wrong').toString('base64');
  writeFileSync(join(d.dir, 'docker-config', 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth } } }));
  const r = await d.docker(['login', reg.host], { cli: DOCKER_CLI_20 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`Login did not succeed, error: Error response from daemon: login attempt to http://${reg.host}/v2/ failed with status: 401 Unauthorized\n`));
  assert.doesNotMatch(r.stderr, /Stored credentials invalid or expired/);
  const good = await d.docker(['login', reg.host, '-u', 'alice', '--password-stdin'], { input: 's3cret\n' });
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /Login Succeeded/);
});
