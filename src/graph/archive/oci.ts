import { InvalidParameter } from '../../engine/errors.js';
import type { SpoolDir } from './spool.js';
import type { ManifestEntry } from './types.js';

/**
 * OCI image layouts (`oci-layout`, `index.json`, `blobs/sha256/...`) as written by
 * newer docker, podman and skopeo, read by translating them into docker-archive
 * manifest entries: blobs are just more archive members. Indexes nested in the
 * index (multi-platform) are followed to their linux entry for this machine.
 */

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string };
  annotations?: Record<string, string>;
}

const MAX = 8 << 20;

function blobPath(digest: string): string {
  const m = /^(sha256|sha512):([0-9a-f]{64,128})$/.exec(digest);
  if (!m) throw new InvalidParameter(`invalid archive: bad digest ${JSON.stringify(digest)}`);
  return `blobs/${m[1]}/${m[2]}`;
}

async function readJson<T>(dir: SpoolDir, name: string): Promise<T> {
  try {
    return JSON.parse((await dir.readSmall(name, MAX)).toString('utf8')) as T;
  } catch (err) {
    if (err instanceof InvalidParameter) throw err;
    throw new InvalidParameter(`invalid archive: ${name}: ${(err as Error).message}`);
  }
}

const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

function isIndex(d: Descriptor): boolean {
  return d.mediaType === 'application/vnd.oci.image.index.v1+json' || d.mediaType === 'application/vnd.docker.distribution.manifest.list.v2+json';
}

/** The tag an index entry carries: the full name containerd writes, else the OCI ref name. */
function tagOf(d: Descriptor): string | null {
  const full = d.annotations?.['io.containerd.image.name'];
  if (full) return full;
  const ref = d.annotations?.['org.opencontainers.image.ref.name'];
  // A bare tag (`latest`) names no repository; only a full reference can become a tag.
  return ref && /[/:]/.test(ref) ? ref : null;
}

async function entryFor(dir: SpoolDir, d: Descriptor, tags: string[], depth = 0): Promise<ManifestEntry | null> {
  if (depth > 4) throw new InvalidParameter('invalid archive: indexes nested too deeply');
  if (isIndex(d)) {
    const idx = await readJson<{ manifests?: Descriptor[] }>(dir, blobPath(d.digest));
    const arch = goArch[process.arch] ?? process.arch;
    const pick = (idx.manifests ?? []).find((m) => !m.platform || (m.platform.os === 'linux' && m.platform.architecture === arch));
    return pick ? entryFor(dir, pick, tags, depth + 1) : null;
  }
  const man = await readJson<{ config?: Descriptor; layers?: Descriptor[] }>(dir, blobPath(d.digest));
  if (!man.config || !Array.isArray(man.layers)) throw new InvalidParameter(`invalid archive: manifest ${d.digest} has no config or layers`);
  return { Config: blobPath(man.config.digest), Layers: man.layers.map((l) => blobPath(l.digest)), RepoTags: tags.length ? tags : null };
}

export async function readOciIndex(dir: SpoolDir): Promise<ManifestEntry[]> {
  const index = await readJson<{ manifests?: Descriptor[] }>(dir, 'index.json');
  if (!Array.isArray(index.manifests)) throw new InvalidParameter('invalid archive: index.json has no manifests');
  // Several index entries may name the same manifest under different tags: one image, all tags.
  const byDigest = new Map<string, { d: Descriptor; tags: string[] }>();
  for (const d of index.manifests) {
    const cur = byDigest.get(d.digest) ?? { d, tags: [] };
    const t = tagOf(d);
    if (t) cur.tags.push(t);
    byDigest.set(d.digest, cur);
  }
  const out: ManifestEntry[] = [];
  for (const { d, tags } of byDigest.values()) {
    const e = await entryFor(dir, d, tags);
    if (e) out.push(e);
  }
  return out;
}
