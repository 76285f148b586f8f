import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../drivers/graphdriver/archive/confine.js';
import { isErrno } from '../engine/errors.js';
import type { IgnoreMatcher } from './dockerignore.js';

/*
 * The files a COPY or ADD takes from a root: the build context (extracted, with
 * its .dockerignore) or another stage's rootfs (`--from`). Every source path is
 * resolved with chroot semantics under that root (confine.ts), so `..` and
 * symlinks pointing out of the context can never reach a file outside it.
 *
 * The cache key is computed through a SourceFs: the disk under `dir`, or, for a
 * build context not extracted yet, the view its tar's headers give (see
 * src/jobs/build/context-index.ts), which answers exactly as the extracted tree
 * would. Anything that writes from the root calls `materialize` first.
 */

/** sha256 (hex) of regular files' content by path under the root, taken while the context arrived. */
export type ContentDigests = Map<string, { size: number; digest: string }>;

/** What the cache key takes from an lstat. */
export interface SourceStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/**
 * Read-only lookups under a root, with the disk's answers: errors carry the errno
 * code lstat would give (ENOENT, ENOTDIR), `resolve` is resolveInRoot's chroot walk.
 */
export interface SourceFs {
  lstat(rel: string): Promise<SourceStat>;
  readdir(rel: string): Promise<string[]>;
  readlink(rel: string): Promise<string>;
  resolve(rel: string, followFinal: boolean): Promise<string>;
  /** sha256 (hex) of the regular file `rel`'s content. */
  digest(rel: string, st: SourceStat): Promise<string>;
}

export interface SourceRoot {
  dir: string;
  ignore: IgnoreMatcher | null;
  /** Known content digests (build context only): files found here are not read again. */
  digests?: ContentDigests | null;
  /** A view that stands for `dir` before it is filled (build context only). */
  view?: SourceFs | null;
  /** Fills `dir` when it is not yet (build context only); before anything reads files from it. */
  materialize?: (() => Promise<void>) | null;
}

export interface Source {
  /** Path relative to the root, resolved (no symlinks left on the way). */
  rel: string;
  /**
   * The path as named, before symlinks were followed: a file copied into a
   * directory takes this one's last element (COPY link.txt /d/ makes /d/link.txt).
   */
  named: string;
  stat: SourceStat;
  /** `file:<hex>` or `dir:<hex>` for the cache key. */
  hash: string;
}

/** The disk under `root.dir`; a file's digest comes from `root.digests` when the sizes agree. */
function diskFs(root: SourceRoot): SourceFs {
  const abs = (rel: string): string => path.join(root.dir, rel);
  return {
    lstat: (rel) => lstat(abs(rel)),
    readdir: (rel) => readdir(abs(rel)),
    readlink: (rel) => readlink(abs(rel)),
    resolve: (rel, followFinal) => resolveInRoot(root.dir, rel, followFinal),
    async digest(rel, st) {
      const known = root.digests?.get(rel);
      if (known && known.size === st.size) return known.digest;
      const h = createHash('sha256');
      for await (const chunk of createReadStream(abs(rel), { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
      return h.digest('hex');
    },
  };
}

export function sourceFs(root: SourceRoot): SourceFs {
  return root.view ?? diskFs(root);
}

export class SourceMissing extends Error {}

/** A source dockerd refuses outright: `forbidden path outside the build context`, `no source files were specified`. */
export class SourceInvalid extends Error {}

const WILDCARD = /[*?[]/;

function clean(p: string): string {
  return path.posix.normalize(`/${p}`).slice(1).replace(/\/+$/, '');
}

function excluded(root: SourceRoot, rel: string): boolean {
  return rel !== '' && root.ignore !== null && root.ignore.matches(rel);
}

/** Every path under the root (relative), for wildcard sources. */
async function walk(root: SourceRoot, fs: SourceFs, rel: string, out: string[]): Promise<void> {
  for (const name of (await fs.readdir(rel)).sort()) {
    const child = rel === '' ? name : `${rel}/${name}`;
    if (excluded(root, child)) continue;
    out.push(child);
    const st = await fs.lstat(child);
    if (st.isDirectory()) await walk(root, fs, child, out);
  }
}

/** A glob as filepath.Match reads it, over a whole relative path. */
function globRe(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      const cls = glob.slice(i + 1, end);
      re += `[${cls.startsWith('^') || cls.startsWith('!') ? `^${cls.slice(1)}` : cls}]`;
      i = end;
    } else if (ch === '\\' && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += ch.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Content hash of one file or a whole tree: names, modes, owners, link targets and content digests. */
async function hashTree(root: SourceRoot, fs: SourceFs, rel: string, st: SourceStat, top: string, h = createHash('sha256')): Promise<ReturnType<typeof createHash>> {
  h.update(`${path.posix.relative(top, rel)}\0${st.mode}\0${st.uid}\0${st.gid}\0`);
  if (st.isSymbolicLink()) h.update(await fs.readlink(rel));
  else if (st.isFile()) h.update(await fs.digest(rel, st));
  else if (st.isDirectory()) {
    for (const name of (await fs.readdir(rel)).sort()) {
      const child = rel === '' ? name : `${rel}/${name}`;
      if (excluded(root, child)) continue;
      await hashTree(root, fs, child, await fs.lstat(child), top, h);
    }
  }
  return h;
}

async function source(root: SourceRoot, fs: SourceFs, rel: string, named: string): Promise<Source> {
  const stat = await fs.lstat(rel);
  const h = await hashTree(root, fs, rel, stat, rel);
  // The name itself is not part of a file's identity: the same bytes hit the cache.
  const kind = stat.isDirectory() ? 'dir' : 'file';
  return { rel, named, stat, hash: `${kind}:${h.digest('hex')}` };
}

/**
 * The sources a COPY/ADD names, in order. A missing one throws SourceMissing with
 * the `stat <path>: file does not exist` that dockerd reports; one whose path climbs
 * out of the root (`../x`, `d/../../x`, even back in again) throws SourceInvalid, as
 * dockerd's calcCopyInfo does. A wildcard is matched as written against the paths
 * under the root (so `../*` matches nothing); a wildcard matching nothing adds
 * nothing, and the caller decides about an empty result.
 */
export async function findSources(root: SourceRoot, patterns: readonly string[]): Promise<Source[]> {
  const out: Source[] = [];
  const fs = sourceFs(root);
  for (const p of patterns) {
    let orig = p.length > 1 && p.startsWith('/') ? p.slice(1) : p;
    if (orig.startsWith('./')) orig = orig.slice(2);
    if (WILDCARD.test(orig)) {
      const all: string[] = [];
      await walk(root, fs, '', all);
      const re = globRe(orig);
      for (const rel of all.filter((r) => re.test(r))) out.push(await source(root, fs, await fs.resolve(rel, true), rel));
      continue;
    }
    const norm = path.posix.normalize(orig);
    if (norm === '..' || norm.startsWith('../')) throw new SourceInvalid(`forbidden path outside the build context: ${orig} ()`);
    const want = clean(orig);
    let rel: string;
    try {
      rel = await fs.resolve(want, true);
      if (excluded(root, want)) throw Object.assign(new Error('excluded'), { code: 'ENOENT' });
      out.push(await source(root, fs, rel, want));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) throw new SourceMissing(`stat ${want || '.'}: file does not exist`);
      throw err;
    }
  }
  return out;
}

/** dockerd's source hash in the cache comment: one source's own, else `multi:` over all. */
export function sourcesHash(sources: readonly Source[]): string {
  if (sources.length === 1) return sources[0]!.hash;
  return `multi:${createHash('sha256').update(sources.map((s) => s.hash).join(',')).digest('hex')}`;
}

export function isExcluded(root: SourceRoot, rel: string): boolean {
  return excluded(root, rel);
}
