import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tar from 'tar-stream';
import { repoRoot } from './paths.js';

/**
 * Fixture images built from Debian's busybox-static, with no daemon and no network:
 * docker-archive tarballs (what `docker save` writes and `docker load` reads).
 * They are cached under .tmp/fixtures/, keyed by the busybox binary's sha256, so a
 * busybox upgrade rebuilds them.
 */
export const BUSYBOX = '/bin/busybox';

export interface FixtureImage {
  /** The docker-archive tarball. */
  path: string;
  /** `sha256:<hex>` of the config JSON, the ID docker shows. */
  id: string;
  tag: string;
  /** `sha256:<hex>` of each uncompressed layer tar, bottom first. */
  diffIds: string[];
}

type Entry =
  | { type: 'file'; name: string; mode: number; content: Buffer | string }
  | { type: 'directory'; name: string; mode: number }
  | { type: 'symlink'; name: string; target: string };

// Fixed times make the tars, and so the IDs, a function of the busybox binary only.
const EPOCH = new Date('2026-01-01T00:00:00Z');
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A tar written with tar-stream: `write` adds the entries; the whole archive in memory. */
export async function packTar(write: (pack: tar.Pack) => void): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    pack.on('end', () => res());
    pack.on('error', rej);
  });
  write(pack);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A layer tar from a list of entries, in order. */
export function layerTar(entries: Entry[]): Promise<Buffer> {
  return packTar((pack) => {
    for (const e of entries) {
      const common = { name: e.name, mtime: EPOCH, uid: 0, gid: 0, uname: 'root', gname: 'root' };
      if (e.type === 'file') pack.entry({ ...common, type: 'file', mode: e.mode }, Buffer.from(e.content));
      else if (e.type === 'directory') pack.entry({ ...common, type: 'directory', mode: e.mode });
      else pack.entry({ ...common, type: 'symlink', mode: 0o777, linkname: e.target });
    }
  });
}

/** The busybox root filesystem: the binary, a symlink per applet, users, /tmp. */
function busyboxEntries(): Entry[] {
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  return [
    { type: 'directory', name: 'bin/', mode: 0o755 },
    { type: 'file', name: 'bin/busybox', mode: 0o755, content: readFileSync(BUSYBOX) },
    ...applets.map((a): Entry => ({ type: 'symlink', name: `bin/${a}`, target: 'busybox' })),
    { type: 'directory', name: 'etc/', mode: 0o755 },
    { type: 'file', name: 'etc/passwd', mode: 0o644, content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { type: 'file', name: 'etc/group', mode: 0o644, content: 'root:x:0:\nnobody:x:65534:\n' },
    { type: 'directory', name: 'root/', mode: 0o700 },
    { type: 'directory', name: 'tmp/', mode: 0o1777 },
    { type: 'directory', name: 'var/', mode: 0o755 },
  ];
}

/** The multi-layer variant's upper layers: one adds files, the next whites some out. */
function multiLayerEntries(): Entry[][] {
  return [
    [
      { type: 'directory', name: 'etc/', mode: 0o755 },
      { type: 'file', name: 'etc/motd', mode: 0o644, content: 'layer two\n' },
      { type: 'file', name: 'etc/delete-me', mode: 0o644, content: 'removed in layer three\n' },
      { type: 'directory', name: 'opaque/', mode: 0o755 },
      { type: 'file', name: 'opaque/a', mode: 0o644, content: 'a\n' },
      { type: 'file', name: 'opaque/b', mode: 0o644, content: 'b\n' },
    ],
    [
      { type: 'directory', name: 'etc/', mode: 0o755 },
      { type: 'file', name: 'etc/.wh.delete-me', mode: 0o644, content: '' },
      { type: 'file', name: 'etc/layer3', mode: 0o644, content: 'layer three\n' },
      { type: 'directory', name: 'opaque/', mode: 0o755 },
      { type: 'file', name: 'opaque/.wh..wh..opq', mode: 0o644, content: '' },
      { type: 'file', name: 'opaque/c', mode: 0o644, content: 'c\n' },
    ],
  ];
}

function arch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64le' } as Record<string, string>)[process.arch] ?? process.arch;
}

/** A docker-archive tarball holding one image made of `layers`. */
export async function dockerArchive(tag: string, layers: Buffer[], history: string[]): Promise<{ archive: Buffer; id: string; diffIds: string[] }> {
  const diffIds = layers.map((l) => `sha256:${sha256(l)}`);
  const config = JSON.stringify({
    architecture: arch(),
    os: 'linux',
    created: EPOCH.toISOString(),
    config: { Env: [PATH_ENV], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: history.map((created_by) => ({ created: EPOCH.toISOString(), created_by })),
  });
  const id = sha256(config);
  const dirs = diffIds.map((d) => d.slice('sha256:'.length));
  const [repo, version] = splitTag(tag);
  const entries: Entry[] = [{ type: 'file', name: `${id}.json`, mode: 0o644, content: config }];
  layers.forEach((layer, i) => {
    entries.push({ type: 'directory', name: `${dirs[i]}/`, mode: 0o755 });
    entries.push({ type: 'file', name: `${dirs[i]}/VERSION`, mode: 0o644, content: '1.0' });
    entries.push({ type: 'file', name: `${dirs[i]}/layer.tar`, mode: 0o644, content: layer });
  });
  entries.push({ type: 'file', name: 'manifest.json', mode: 0o644, content: JSON.stringify([{ Config: `${id}.json`, RepoTags: [tag], Layers: dirs.map((d) => `${d}/layer.tar`) }]) });
  entries.push({ type: 'file', name: 'repositories', mode: 0o644, content: JSON.stringify({ [repo]: { [version]: dirs[dirs.length - 1] } }) });
  return { archive: await layerTar(entries), id: `sha256:${id}`, diffIds };
}

function splitTag(tag: string): [string, string] {
  const i = tag.lastIndexOf(':');
  return i > tag.lastIndexOf('/') ? [tag.slice(0, i), tag.slice(i + 1)] : [tag, 'latest'];
}

/** Build (or reuse from the cache) a fixture archive; written tmp-then-rename so parallel tests agree. */
async function cached(name: string, tag: string, build: () => Promise<{ archive: Buffer; id: string; diffIds: string[] }>): Promise<FixtureImage> {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install Debian's busybox-static (scripts/install.sh does)`);
  const dir = join(repoRoot, '.tmp', 'fixtures', sha256(readFileSync(BUSYBOX)).slice(0, 16));
  const path = join(dir, `${name}.tar`);
  const meta = join(dir, `${name}.json`);
  if (existsSync(path) && existsSync(meta)) return { path, tag, ...(JSON.parse(readFileSync(meta, 'utf8')) as { id: string; diffIds: string[] }) };
  const { archive, id, diffIds } = await build();
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, archive);
  writeFileSync(`${meta}.${process.pid}.tmp`, JSON.stringify({ id, diffIds }));
  renameSync(tmp, path);
  renameSync(`${meta}.${process.pid}.tmp`, meta);
  return { path, id, tag, diffIds };
}

/** `busybox:latest`: one layer, Cmd ["sh"]. */
export function busyboxImage(): Promise<FixtureImage> {
  return cached('busybox', 'busybox:latest', async () =>
    dockerArchive('busybox:latest', [await layerTar(busyboxEntries())], ['ADD busybox-static /bin/busybox']));
}

/**
 * `busybox-multi:latest`: the busybox layer, a layer adding /etc/motd, /etc/delete-me
 * and /opaque/{a,b}, and a layer that whiteouts /etc/delete-me, makes /opaque opaque
 * (leaving only /opaque/c) and adds /etc/layer3. For graph and diff tests.
 */
export function multiLayerImage(): Promise<FixtureImage> {
  return cached('busybox-multi', 'busybox-multi:latest', async () => {
    const [two, three] = multiLayerEntries();
    const layers = [await layerTar(busyboxEntries()), await layerTar(two!), await layerTar(three!)];
    return dockerArchive('busybox-multi:latest', layers, ['ADD busybox-static /bin/busybox', 'ADD motd delete-me opaque/', 'RUN rm etc/delete-me; rm -r opaque/*; touch opaque/c']);
  });
}
