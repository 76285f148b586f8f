import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { startDaemon, waitFor, type RunResult, type TestDaemon } from '../helpers/daemon.js';
import { ok } from '../helpers/cli.js';
import { multiLayerImage } from '../helpers/fixtures.js';
import { onBlob, onManifest, startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { blobFile, pushImage, readArchive, startRegistry } from './registry.js';
import { assertEmptyStore, storeState } from './store-state.js';

/**
 * A registry that breaks its answers (through ./fault-proxy.ts): corrupt bytes, a
 * connection cut mid-blob, silence, an oversized manifest, missing blobs; and a
 * daemon killed mid-pull. Each ends with dockerd 20.10's message (read off a
 * reference dockerd through the same proxy) or a resumed, correct image, and
 * nothing half-registered in the store.
 */

async function pullFails(d: TestDaemon, ref: string, pattern: RegExp): Promise<RunResult> {
  const r = await d.docker(['pull', ref], { timeoutMs: 120_000 });
  assert.notEqual(r.code, 0, `pull ${ref} should fail: ${r.stdout}`);
  assert.match(r.stderr, pattern);
  return r;
}

/** Pull, check the image and its content, remove it again. */
async function pullGood(d: TestDaemon, ref: string, id: string): Promise<string> {
  const out = await d.docker(['pull', ref], { timeoutMs: 120_000 });
  assert.equal(out.code, 0, out.stderr);
  assert.equal(JSON.parse(await ok(d, ['image', 'inspect', ref]))[0].Id, id);
  assert.equal((await ok(d, ['run', '--rm', '--network', 'none', ref, 'cat', '/etc/layer3'])).trim(), 'layer three');
  await ok(d, ['rmi', ref]);
  return out.stdout;
}

/** The registry connections berth had open are all closed. */
const closed = (proxy: FaultProxy): Promise<void> => waitFor('the proxied connections to close', () => proxy.open === 0, 10_000);

test('broken registry answers: digest mismatch, cut and stalled transfers, big manifests, missing blobs', { timeout: 300_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const multi = await multiLayerImage();
  const img = await readArchive(multi.path);
  const pushed = await pushImage(reg, 'multi', 'latest', img);
  const big = pushed.layers[0]!;
  const top = pushed.layers[2]!;
  const proxy = await startFaultProxy(t, reg);
  // Silence counts after 2 s (instead of 30), and two attempts per transfer.
  process.env['BERTH_REGISTRY_TIMEOUT'] = '2';
  let d: TestDaemon;
  try {
    d = await startDaemon(t, { args: ['--max-download-attempts', '2'] });
  } finally {
    delete process.env['BERTH_REGISTRY_TIMEOUT'];
  }
  const name = `${proxy.host}/multi`;

  // Flipped bytes in a layer: dockerd's digest verification message.
  proxy.rule = onBlob(top.digest, { kind: 'flip' }, Infinity);
  await pullFails(d, name, new RegExp(`filesystem layer verification failed for digest ${top.digest}`));
  await closed(proxy);
  await assertEmptyStore(d, 'flipped layer');
  // ... near its end, after most of it was extracted.
  proxy.rule = onBlob(big.digest, { kind: 'flip', at: big.size - 3 }, Infinity);
  await pullFails(d, name, new RegExp(`filesystem layer verification failed for digest ${big.digest}`));
  await assertEmptyStore(d, 'flipped end of layer');
  // ... in the config.
  proxy.rule = onBlob(pushed.config, { kind: 'flip' }, Infinity);
  await pullFails(d, name, new RegExp(`error pulling image configuration: image config verification failed for digest ${pushed.config}`));
  await assertEmptyStore(d, 'flipped config');

  // The connection cut mid-blob: resumed with a Range request, the image is whole.
  proxy.rule = onBlob(big.digest, { kind: 'cut', after: 100_000 });
  proxy.seen.length = 0;
  await pullGood(d, name, multi.id);
  const gets = proxy.seen.filter((s) => s.path.endsWith(big.digest));
  assert.deepEqual(gets.map((s) => s.range), [undefined, 'bytes=100000-'], JSON.stringify(gets));
  await assertEmptyStore(d, 'after the resumed pull was removed');

  // A registry that goes silent mid-blob once: after the timeout, resumed likewise.
  proxy.rule = onBlob(big.digest, { kind: 'stall', after: 65_536 });
  proxy.seen.length = 0;
  const resumed = await pullGood(d, name, multi.id);
  assert.match(resumed, /Retrying in 1 second/);
  assert.deepEqual(proxy.seen.filter((s) => s.path.endsWith(big.digest)).map((s) => s.range), [undefined, 'bytes=65536-']);
  await closed(proxy);

  // ... and for good: a clear error once the attempts are spent, in seconds.
  proxy.rule = onBlob(big.digest, { kind: 'stall', after: 65_536 }, Infinity);
  let started = Date.now();
  await pullFails(d, name, new RegExp(`Get "http://${proxy.host}/v2/multi/blobs/${big.digest}": the registry sent no data for 2s`));
  assert.ok(Date.now() - started < 30_000, `the stall took ${Date.now() - started} ms to end`);
  await closed(proxy);
  await assertEmptyStore(d, 'stalled layer');

  // A registry that never answers the manifest request.
  proxy.rule = onManifest({ kind: 'hang' });
  started = Date.now();
  await pullFails(d, name, new RegExp(`Get "http://${proxy.host}/v2/multi/manifests/latest": net/http: request canceled \\(Client.Timeout exceeded while awaiting headers\\)`));
  assert.ok(Date.now() - started < 30_000);
  await closed(proxy);
  await assertEmptyStore(d, 'hanging manifest');
  // ... or sends the head of its manifest answer and then nothing.
  proxy.rule = onManifest({ kind: 'stall', after: 10 });
  await pullFails(d, name, new RegExp(`Get "http://${proxy.host}/v2/multi/manifests/latest": the registry sent no data for 2s`));
  await closed(proxy);
  await assertEmptyStore(d, 'stalled manifest body');

  // A manifest over 4 MiB is refused before it is read whole (dockerd 20.10 reads it all).
  const huge = JSON.stringify({ ...JSON.parse(pushed.manifest.toString()), annotations: { pad: 'x'.repeat(5 << 20) } });
  for (const chunked of [false, true]) {
    // Both with a Content-Length and without one (the limit counts the bytes).
    proxy.rule = ({ method, path }) => method === 'GET' && path.endsWith('/manifests/latest')
      ? { kind: 'answer', status: 200, headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json', ...(chunked ? { 'content-length': '' } : {}) }, body: huge }
      : undefined;
    await pullFails(d, name, /Error response from daemon: manifest too large: manifest exceeds the 4194304-byte limit/);
    await assertEmptyStore(d, 'oversized manifest');
  }
  // Pulled by digest, a manifest whose bytes hash to something else.
  proxy.rule = onManifest({ kind: 'answer', status: 200, headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: `${pushed.manifest.toString()}\n` });
  await pullFails(d, `${name}@${pushed.digest}`, new RegExp(`manifest verification failed for digest ${pushed.digest}`));
  await assertEmptyStore(d, 'manifest not matching its digest');
  proxy.rule = () => undefined;

  // A manifest naming blobs the registry does not have: dockerd's "unknown blob".
  const noConfig = await pushImage(reg, 'noconfig', 'latest', { config: Buffer.from(img.config.toString().replace('"os"', '"author":"berth","os"')), layers: img.layers });
  rmSync(blobFile(reg, noConfig.config));
  await pullFails(d, `${proxy.host}/noconfig`, /error pulling image configuration: download failed after attempts=1: unknown blob/);
  await assertEmptyStore(d, 'missing config');
  const noLayer = await pushImage(reg, 'nolayer', 'latest', { config: img.config, layers: [...img.layers.slice(0, 2), Buffer.concat([img.layers[2]!, Buffer.alloc(1024)])] });
  rmSync(blobFile(reg, noLayer.layers[2]!.digest));
  await pullFails(d, `${proxy.host}/nolayer`, /unknown blob/);
  await assertEmptyStore(d, 'missing layer');

  // Serving on, and the same image pulls clean afterwards.
  await pullGood(d, name, multi.id);
});

test('the daemon killed mid-pull: nothing half-pulled after the restart, and the pull completes', { timeout: 300_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const multi = await multiLayerImage();
  const pushed = await pushImage(reg, 'multi', 'latest', await readArchive(multi.path));
  const big = pushed.layers[0]!;
  const top = pushed.layers[2]!;
  const proxy = await startFaultProxy(t, reg);
  const d = await startDaemon(t);
  const name = `${proxy.host}/multi`;

  // Killed once two layers are registered and the third hangs: layers without an image.
  proxy.rule = onBlob(top.digest, { kind: 'stall', after: 0 }, Infinity);
  let pulling = d.docker(['pull', name], { timeoutMs: 120_000 });
  await waitFor('two layers registered', () => storeState(d).layers.length === 2, 60_000);
  d.kill('SIGKILL');
  await d.exited;
  assert.notEqual((await pulling).code, 0);
  await d.restart();
  await assertEmptyStore(d, 'killed with two of three layers');

  // Killed while the first layer trickles in and is being extracted.
  proxy.rule = onBlob(big.digest, { kind: 'slow', bytesPerSec: 128 << 10 });
  proxy.seen.length = 0;
  pulling = d.docker(['pull', name], { timeoutMs: 120_000 });
  await waitFor('the slow layer to be under way', () => storeState(d).writing.length > 0 && proxy.seen.some((s) => s.fault === 'slow'), 60_000);
  await new Promise((r) => setTimeout(r, 1000));
  d.kill('SIGKILL');
  await d.exited;
  assert.notEqual((await pulling).code, 0);
  await d.restart();
  await assertEmptyStore(d, 'killed mid-extraction');

  // A pull now completes, with the right image.
  proxy.rule = () => undefined;
  await pullGood(d, name, multi.id);
});

test('registry trouble berth recovers from or reports: 503 with Retry-After, Range ignored, a blob longer than its size, the client gone', { timeout: 300_000 }, async (t: TestContext) => {
  const reg = await startRegistry(t);
  const multi = await multiLayerImage();
  const pushed = await pushImage(reg, 'multi', 'latest', await readArchive(multi.path));
  const big = pushed.layers[0]!;
  const proxy = await startFaultProxy(t, reg);
  const d = await startDaemon(t);
  const name = `${proxy.host}/multi`;

  // Busy for a second on the manifest and on a blob: waited out as Retry-After says.
  const busy = { kind: 'answer', status: 503, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: '{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}' } as const;
  const manifestOnce = onManifest(busy);
  let manifestLeft = 1;
  const blobOnce = onBlob(big.digest, busy);
  proxy.rule = (r) => (manifestLeft > 0 && manifestOnce(r) ? (manifestLeft--, busy) : blobOnce(r));
  proxy.seen.length = 0;
  const started = Date.now();
  await pullGood(d, name, multi.id);
  assert.ok(Date.now() - started >= 2000, 'each Retry-After was waited out');
  assert.equal(proxy.seen.filter((s) => s.fault === 'answer').length, 2);
  await assertEmptyStore(d, 'after the retried pull was removed');

  // Cut mid-blob by a registry that ignores Range: the resumed GET gets the whole
  // blob again and berth skips what it already had.
  const cut = onBlob(big.digest, { kind: 'cut', after: 100_000 });
  proxy.rule = (r) => cut(r) ?? (r.headers.range ? { kind: 'noRange' } : undefined);
  proxy.seen.length = 0;
  await pullGood(d, name, multi.id);
  assert.deepEqual(proxy.seen.filter((s) => s.path.endsWith(big.digest)).map((s) => [s.range, s.fault]), [[undefined, 'cut'], ['bytes=100000-', 'noRange']]);
  await assertEmptyStore(d, 'after the skip-resumed pull was removed');

  // A blob that runs past its descriptor's size is a verification failure.
  proxy.rule = onBlob(big.digest, { kind: 'answer', status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(big.size + 4096) }, Infinity);
  // (It arrives whole before the layer's extraction has begun: the error must still end it.)
  const long = await pullFails(d, name, new RegExp(`filesystem layer verification failed for digest ${big.digest}`));
  assert.doesNotMatch(long.stdout, /Retrying/, 'a verification failure is not retried');
  await assertEmptyStore(d, 'blob longer than its size');

  // The client hangs up mid-pull: the pull stops, its connections close, nothing remains.
  proxy.rule = onBlob(big.digest, { kind: 'slow', bytesPerSec: 64 << 10 });
  proxy.seen.length = 0;
  const req = request({ socketPath: d.socket, method: 'POST', path: `/v1.41/images/create?fromImage=${encodeURIComponent(name)}&tag=latest` });
  req.on('error', () => undefined);
  req.end();
  const res = await new Promise<import('node:http').IncomingMessage>((r) => req.once('response', r));
  res.resume();
  await waitFor('the slow layer to be under way', () => proxy.seen.some((s) => s.fault === 'slow'), 30_000);
  await new Promise((r) => setTimeout(r, 1000));
  req.destroy();
  await closed(proxy);
  await waitFor('the store to be empty', () => JSON.stringify(storeState(d)) === JSON.stringify({ layers: [], writing: [], driver: [], spool: [] }), 10_000);
  await assertEmptyStore(d, 'client gone');
  proxy.rule = () => undefined;
  await pullGood(d, name, multi.id);
});
