import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { layerTar } from '../test/helpers/fixtures.js';
import { putBlob, putManifest, readArchive, startRegistry, type TestRegistry } from '../test/registry/registry.js';
import type { BenchDaemon } from './daemons.js';
import { fmt, median } from './stats.js';

/**
 * The registry issue's figures against one local registry (Debian's docker-registry
 * on a loopback port, its own storage, started as the registry tests start it):
 * `docker pull` of a 200 MB four-layer image into a store that has none of its
 * layers, and `docker push` of a fresh 100 MB one-layer image.
 *
 * The pulled image is bench/archive.ts's four layers of random bytes, gzipped at
 * level 1 once (cached under .tmp/bench) and put into the registry through its HTTP
 * API when the registry starts. Every push sends a layer of new random bytes, so
 * nothing is ever "already there".
 */
const pexec = promisify(execFile);
const DOCKER = '/usr/local/bin/docker';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PUSH_BYTES = 100 << 20;
const repoRoot = resolve(import.meta.dirname, '..', '..');
const cacheDir = join(repoRoot, '.tmp', 'bench', 'registry-200m');

export interface BenchRegistry {
  host: string;
  /** The 200 MB image, `host/bench/pull:200m`. */
  pullRef: string;
  /** Its layers' compressed size: what a pull transfers. */
  pullBytes: number;
  stop(): Promise<void>;
}

export interface RegistryFigures {
  pullMBs: number;
  pullBytes: number;
  /** Null with `pushNote` when the daemon's push failed. */
  pushMBs: number | null;
  pushNote?: string;
}

async function docker(d: BenchDaemon, args: string[]): Promise<string> {
  const { stdout } = await pexec(DOCKER, args, {
    env: { ...process.env, DOCKER_HOST: `unix://${d.socket}`, DOCKER_CLI_HINTS: 'false' }, maxBuffer: 1 << 26, encoding: 'utf8',
  });
  return stdout;
}

/** The pulled image's blobs: gzip level 1 of the archive's layer tars, and its config. */
async function pullBlobs(archive: string): Promise<{ config: Buffer; layers: Buffer[] }> {
  const configFile = join(cacheDir, 'config.json');
  if (!existsSync(configFile)) {
    mkdirSync(cacheDir, { recursive: true });
    const img = await readArchive(archive);
    img.layers.forEach((l, i) => writeFileSync(join(cacheDir, `layer${i}.tar.gz`), gzipSync(l, { level: 1 })));
    writeFileSync(`${configFile}.part`, img.config);
    renameSync(`${configFile}.part`, configFile); // last: its presence means the cache is whole
  }
  const config = readFileSync(configFile);
  const count = (JSON.parse(config.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids.length;
  return { config, layers: Array.from({ length: count }, (_, i) => readFileSync(join(cacheDir, `layer${i}.tar.gz`))) };
}

/**
 * The registry for the whole run, holding the pull image. startRegistry is written
 * for node:test; here a small stand-in for the test context collects its clean-ups
 * (stop the process, remove its directory), run by `stop()`.
 */
export async function startBenchRegistry(archive: string): Promise<BenchRegistry> {
  const cleanups: Array<() => unknown> = [];
  const t = { after: (fn: () => unknown) => { cleanups.push(fn); } } as unknown as TestContext;
  const stop = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn();
  };
  try {
    const reg: TestRegistry = await startRegistry(t);
    const { config, layers } = await pullBlobs(archive);
    const repo = 'bench/pull';
    const layerDigests: string[] = [];
    for (const l of layers) layerDigests.push(await putBlob(reg, repo, l));
    const configDigest = await putBlob(reg, repo, config);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
      layers: layers.map((l, i) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.length, digest: layerDigests[i] })),
    });
    await putManifest(reg, repo, '200m', 'application/vnd.docker.distribution.manifest.v2+json', manifest);
    const pullBytes = layers.reduce((n, l) => n + l.length, 0);
    return { host: reg.host, pullRef: `${reg.host}/${repo}:200m`, pullBytes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A docker-archive with one layer of PUSH_BYTES new random bytes, tagged `tag`. */
async function freshImage(path: string, tag: string): Promise<void> {
  const layer = await layerTar([{ type: 'file', name: 'blob', mode: 0o644, content: randomBytes(PUSH_BYTES) }]);
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', created: new Date().toISOString(),
    config: { Cmd: ['true'] }, rootfs: { type: 'layers', diff_ids: [diffId] },
  }));
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(path));
  pack.entry({ name: `${diffId.slice(7)}/layer.tar` }, layer);
  pack.entry({ name: configName }, config);
  pack.entry({ name: 'manifest.json' }, JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: [`${diffId.slice(7)}/layer.tar`] }]));
  pack.finalize();
  await written;
}

/** Out of the store again, layers included, untimed. */
async function remove(d: BenchDaemon, ref: string): Promise<void> {
  await docker(d, ['rmi', ref]);
  await docker(d, ['image', 'prune', '-f']);
}

export async function measureRegistry(d: BenchDaemon, reg: BenchRegistry): Promise<RegistryFigures> {
  const pulls: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await docker(d, ['pull', reg.pullRef]);
    pulls.push(reg.pullBytes / 1e6 / ((performance.now() - t0) / 1000));
    await remove(d, reg.pullRef);
  }
  const pushes: number[] = [];
  const work = join(repoRoot, '.tmp', 'bench', `push-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    for (let i = 0; i < RUNS; i++) {
      const tag = `${reg.host}/bench/push-${d.name}:${i}`;
      const file = join(work, 'image.tar');
      await freshImage(file, tag);
      await docker(d, ['load', '-i', file]);
      rmSync(file);
      try {
        const t0 = performance.now();
        await docker(d, ['push', tag]);
        pushes.push(PUSH_BYTES / 1e6 / ((performance.now() - t0) / 1000));
      } catch (e) {
        const why = ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').pop();
        return { pullMBs: median(pulls), pullBytes: reg.pullBytes, pushMBs: null, pushNote: why ?? 'failed' };
      } finally {
        await remove(d, tag);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { pullMBs: median(pulls), pullBytes: reg.pullBytes, pushMBs: median(pushes) };
}

/** The registry section of docs/BENCHMARKS.md. */
export function registryReport(berth: RegistryFigures, ref: RegistryFigures | null): string[] {
  const lines = [
    '## Registry',
    '',
    'Against one local registry (Debian\'s docker-registry 2.8 on a loopback port, its own storage), through the docker CLI 28. ' +
      `Pull: the ${fmt(berth.pullBytes / 1e6)} MB of bench/archive.ts's four random layers, gzipped at level 1, into a store ` +
      'without them; MB/s of compressed bytes; the image is removed and pruned between runs. ' +
      `Push: a one-layer image of ${fmt(PUSH_BYTES / 1e6)} MB of new random bytes each run (loaded untimed), MB/s of the ` +
      `layer's uncompressed size; each daemon compresses it its own way. Medians of ${RUNS} runs.`,
    '',
    '| Measure | berth | dockerd | berth / dockerd | Target | Met |',
    '|---|---:|---:|---:|---|---|',
  ];
  const row = (label: string, b: number | null, r: number | null, factor: number): void => {
    const ratio = b !== null && r ? b / r : null;
    const met = ratio === null ? 'n/a' : ratio >= factor ? 'yes' : 'no';
    lines.push(`| ${label} | ${b === null ? 'n/a' : fmt(b)} | ${r === null ? 'n/a' : fmt(r)} | ${ratio === null ? 'n/a' : `${fmt(ratio, 2)}×`} | ≥ ${factor}× dockerd | ${met} |`);
  };
  row('`docker pull`, 200 MB in 4 layers (MB/s)', berth.pullMBs, ref?.pullMBs ?? null, 2);
  row('`docker push`, fresh 100 MB image (MB/s)', berth.pushMBs, ref?.pushMBs ?? null, 3);
  for (const [who, f] of [['berth', berth], ['dockerd', ref]] as const) {
    if (f?.pushNote) lines.push('', `**n/a** ${who} push: ${f.pushNote}`);
  }
  lines.push('');
  return lines;
}
