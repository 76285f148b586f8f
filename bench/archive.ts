import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import tar from 'tar-stream';

/**
 * The load/save benchmark's input: a docker-archive of about 200 MB in four layers,
 * each holding one 50 MB file of random (incompressible) bytes, tagged
 * `berth-bench/archive:200m`. Built without any daemon and cached, so both daemons
 * load the very same bytes.
 */
export const ARCHIVE_TAG = 'berth-bench/archive:200m';
const LAYERS = 4;
const LAYER_BYTES = 50 << 20;

export async function benchArchive(cacheDir: string): Promise<string> {
  mkdirSync(cacheDir, { recursive: true });
  const out = join(cacheDir, 'archive-200m.tar');
  if (existsSync(out)) return out;
  const work = join(cacheDir, `archive-work-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const diffIds: string[] = [];
    for (let i = 0; i < LAYERS; i++) diffIds.push(await writeLayer(join(work, `layer${i}.tar`), i));
    const config = Buffer.from(JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Cmd: ['true'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `bench layer ${i}` })),
    }));
    const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
    const manifest = Buffer.from(JSON.stringify([{
      Config: configName,
      RepoTags: [ARCHIVE_TAG],
      Layers: diffIds.map((d) => `${d.slice(7)}/layer.tar`),
    }]));
    const pack = tar.pack();
    const written = pipeline(pack, createWriteStream(`${out}.part`));
    for (let i = 0; i < LAYERS; i++) {
      const dir = diffIds[i]!.slice(7);
      pack.entry({ name: `${dir}/`, type: 'directory', mode: 0o755 });
      const file = join(work, `layer${i}.tar`);
      const entry = pack.entry({ name: `${dir}/layer.tar`, size: statSync(file).size, mode: 0o644 });
      await pipeline(createReadStream(file), entry);
    }
    pack.entry({ name: configName, mode: 0o644 }, config);
    pack.entry({ name: 'manifest.json', mode: 0o644 }, manifest);
    pack.finalize();
    await written;
    renameSync(`${out}.part`, out);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One layer tar with a single file of random bytes; returns its diffID. */
async function writeLayer(path: string, index: number): Promise<string> {
  const hash = createHash('sha256');
  const pack = tar.pack();
  const tee = new PassThrough();
  tee.on('data', (c: Buffer) => hash.update(c));
  const done = pipeline(pack, tee, createWriteStream(path));
  pack.entry({ name: 'data/', type: 'directory', mode: 0o755, mtime: new Date(0) });
  const entry = pack.entry({ name: `data/blob${index}`, size: LAYER_BYTES, mode: 0o644, mtime: new Date(0) });
  for (let left = LAYER_BYTES; left > 0; left -= 1 << 20) {
    if (!entry.write(randomBytes(Math.min(left, 1 << 20)))) await new Promise<void>((r) => entry.once('drain', () => r()));
  }
  entry.end(null);
  pack.finalize();
  await done;
  return `sha256:${hash.digest('hex')}`;
}
