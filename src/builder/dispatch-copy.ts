import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, utimes } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveInRoot } from '../drivers/graphdriver/archive/confine.js';
import { BerthError } from '../engine/errors.js';
import { getWithStatusError } from '../graph/remote/get.js';
import type { BuildImage } from './backend.js';
import { copySources, extractArchive, isTarFile, type Owner } from './copy.js';
import type { Instruction, InstructionOf } from './instructions.js';
import { goProgress } from './format.js';
import { expandWord } from './shell-words.js';
import { findSources, SourceInvalid, SourceMissing, sourcesHash, type Source, type SourceRoot } from './sources.js';
import { shellOf } from './state.js';
import { StepError, commitFill, expansionEnv, tryCache, type BuildRun } from './step.js';

/*
 * COPY and ADD as dockerd 20.10's performCopy: the cache key is the instruction
 * with the sources' checksum (`COPY file:<hex> in /dest `), so changed content
 * misses; on a miss the files are written into a new layer over the current image
 * with no container run. ADD also unpacks local tar archives and fetches URLs.
 */

type Of<K extends Instruction['kind']> = InstructionOf<K>;

const isUrl = (s: string): boolean => /^https?:\/\//.test(s);

/**
 * `--chown=user:group` against the image's /etc/passwd and /etc/group (read
 * confined), as dockerd 20.10's parseChownFlag: a lone name stands for the group too
 * (looked up in /etc/group, not the user's primary group), and an empty name is
 * never found.
 */
async function owner(root: string, spec: string): Promise<Owner> {
  const parts = spec.split(':');
  if (parts.length > 2) throw new StepError(`unable to convert uid/gid chown string to host mapping: invalid chown string format: ${spec}`);
  const [user, group = user] = parts as [string, string?];
  const lookup = async (file: 'etc/passwd' | 'etc/group', name: string): Promise<number> => {
    if (/^\d+$/.test(name)) return Number(name);
    let text = '';
    try {
      text = await readFile(path.join(root, await resolveInRoot(root, file, true)), 'utf8');
    } catch {
      // no such file: the name cannot be found
    }
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (name !== '' && f[0] === name) return Number(f[2]);
    }
    const [kind, what] = file === 'etc/passwd' ? ['uid', 'user'] : ['gid', 'group'];
    throw new StepError(`unable to convert uid/gid chown string to host mapping: can't find ${kind} for ${what} ${name}: no such ${what}: ${name}`);
  };
  return { uid: await lookup('etc/passwd', user), gid: await lookup('etc/group', group) };
}

/**
 * dockerd's progress reader: a `Downloading` message every 512 KiB (at most ten a
 * second) and one at the end.
 */
function downloadProgress(b: BuildRun, total: number): Transform {
  let current = 0;
  let last = 0;
  let lastAt = 0;
  const report = (): void => {
    last = current;
    lastAt = Date.now();
    b.progress({ status: 'Downloading', progressDetail: total > 0 ? { current, total } : { current }, progress: goProgress(current, total) });
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      current += chunk.length;
      if (current - last >= 512 * 1024 && Date.now() - lastAt >= 100) report();
      cb(null, chunk);
    },
    flush(cb) {
      report();
      cb();
    },
  });
}

/** The file name ADD gives a download: the URL path's last element, else Content-Disposition's, else ''. */
function downloadName(url: string, res: IncomingMessage): string {
  const raw = new URL(url).pathname;
  let p = raw;
  try {
    p = decodeURIComponent(raw);
  } catch {
    // a malformed escape: keep the name as written
  }
  if (p !== '' && !p.endsWith('/')) return path.posix.basename(p);
  const m = /filename="?([^";]+)"?/i.exec(res.headers['content-disposition'] ?? '');
  if (m && !m[1]!.endsWith('/')) return path.posix.basename(m[1]!);
  return '';
}

/**
 * Fetch a URL for ADD into a private temp dir: the file, its name and its mtime.
 * A status of 400 or more fails with the response body in the message, as dockerd's
 * GetWithStatusError words it.
 */
async function download(b: BuildRun, url: string, signal: AbortSignal, destIsDir: boolean): Promise<{ dir: string; file: string; mtime: Date }> {
  let res: IncomingMessage;
  try {
    ({ res } = await getWithStatusError(url, signal));
  } catch (err) {
    throw err instanceof BerthError ? new StepError(`ADD failed: ${err.message}`) : err;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'berth-add-'));
  try {
    const named = downloadName(url, res);
    const name = named || '__unnamed__';
    const length = Number(res.headers['content-length'] ?? -1);
    await pipeline(res, downloadProgress(b, Number.isFinite(length) ? length : -1), createWriteStream(path.join(dir, name), { mode: 0o600 }));
    b.out('\n');
    // No name to give it inside a directory: dockerd's getCopyInfoForSourcePath refuses.
    if (!named && destIsDir) throw new StepError(`ADD failed: cannot determine filename for source ${url}`);
    // Without a (parsable) Last-Modified dockerd sets the zero time: the epoch.
    const lm = new Date(res.headers['last-modified'] ?? NaN);
    return { dir, file: name, mtime: Number.isNaN(lm.getTime()) ? new Date(0) : lm };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A downloaded file; its hash has no `file:` kind in front, as dockerd's downloadSource gives it. */
async function fileSource(root: SourceRoot, rel: string): Promise<Source> {
  const [s] = await findSources(root, [rel]);
  const content = await readFile(path.join(root.dir, rel));
  return { ...s!, hash: createHash('sha256').update(content).digest('hex') };
}

export async function dispatchCopy(b: BuildRun, inst: Of<'copy' | 'add'>): Promise<void> {
  // dockerd 20.10's parser takes --chmod (BuildKit's), its legacy builder refuses it.
  if (inst.chmod) throw new StepError('the --chmod option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled');
  const env = expansionEnv(b);
  const name = inst.kind.toUpperCase();
  const srcs = inst.sources.map((s) => expandWord(s, env, b.escape));
  let dest = expandWord(inst.dest, env, b.escape);
  const chown = inst.chown ? expandWord(inst.chown, env, b.escape) : '';
  const written = dest;
  if (!dest.startsWith('/')) {
    const slash = dest.endsWith('/');
    dest = path.posix.join('/', b.state.runConfig.WorkingDir || '/', dest) + (slash ? '/' : '');
  }
  const temps: string[] = [];
  try {
    const parts: { root: SourceRoot; sources: Source[] }[] = [];
    const fromImage = inst.from ? await sourceImage(b, inst.from) : null;
    const local = async (root: SourceRoot): Promise<void> => {
      if (inst.kind === 'copy' && srcs.some(isUrl)) throw new StepError('COPY failed: source can\'t be a URL for COPY');
      const plain = srcs.filter((s) => inst.kind === 'copy' || !isUrl(s));
      try {
        if (plain.length) parts.push({ root, sources: await findSources(root, plain) });
      } catch (err) {
        if (err instanceof SourceInvalid) throw new StepError(`${name} failed: ${err.message}`);
        if (!(err instanceof SourceMissing)) throw err;
        throw new StepError(`${name} failed: ${fromImage ? '' : 'file not found in build context or excluded by .dockerignore: '}${err.message}`);
      }
    };
    if (inst.kind === 'add') {
      for (const url of srcs.filter(isUrl)) {
        const got = await download(b, url, b.signal, written.endsWith('/'));
        temps.push(got.dir);
        await utimes(path.join(got.dir, got.file), got.mtime, got.mtime);
        const root = { dir: got.dir, ignore: null };
        parts.push({ root, sources: [await fileSource(root, got.file)] });
      }
    }
    const run = async (root: SourceRoot): Promise<void> => {
      await local(root);
      const all = parts.flatMap((p) => p.sources);
      // As dockerd, counted once wildcards are matched: `COPY *.txt /d` with two
      // matches fails, `COPY none* a.txt /d` does not.
      if (all.length === 0) throw new StepError(`${name} failed: no source files were specified`);
      if (all.length > 1 && !dest.endsWith('/')) {
        throw new StepError(`When using ${name} with more than one source file, the destination must be a directory and end with a /`);
      }
      // dockerd 20.10 writes no blank after the flag: `COPY --chown=1:2file:<hash> in /d `.
      const chownComment = chown ? `--chown=${chown}` : '';
      const comment = `${name} ${chownComment}${sourcesHash(all)} in ${written} `;
      const probe = { ...b.state.runConfig, Cmd: [...shellOf(b.state.runConfig), `#(nop) ${comment}`] };
      if (tryCache(b, probe)) return;
      await commitFill(b, probe, '', async (rootfs) => {
        for (const p of parts) await p.root.materialize?.();
        const own = chown ? await owner(rootfs, chown) : null;
        for (const p of parts) {
          if (inst.kind === 'add' && p.root === root) {
            for (const s of p.sources) {
              if (s.stat.isFile() && await isTarFile(path.join(p.root.dir, s.rel))) await extractArchive(path.join(p.root.dir, s.rel), rootfs, dest);
              else await copySources(p.root, [s], rootfs, all.length > 1 && !dest.endsWith('/') ? `${dest}/` : dest, own);
            }
          } else {
            await copySources(p.root, p.sources, rootfs, dest, own);
          }
        }
      });
    };
    if (fromImage) await b.backend.withImageRoot(fromImage, (dir) => run({ dir, ignore: null }));
    else await run(b.context);
  } finally {
    for (const t of temps) await rm(t, { recursive: true, force: true });
  }
}

/**
 * `--from=`: a stage by name or index (a number as Go's Atoi reads it, the stage being
 * built counting as the last), else an image; dockerd's errors under its
 * `invalid from flag value X: ` prefix.
 */
async function sourceImage(b: BuildRun, from: string): Promise<BuildImage> {
  const invalid = (why: string): StepError => new StepError(`invalid from flag value ${from}: ${why}`);
  if (/^[+-]?\d+$/.test(from)) {
    const i = Number(from);
    if (i === b.stages.length) throw invalid('refers to current build stage');
    if (i < 0 || i > b.stages.length) throw invalid('index out of bounds');
    return b.backend.getImage(b.stages[i]!.imageId);
  }
  const stage = b.stages.find((s) => s.name !== '' && s.name === from.toLowerCase());
  if (stage) return b.backend.getImage(stage.imageId);
  // An image not here is pulled, as dockerd's imageSources does for --from; its
  // failure comes wrapped as dockerd's dispatchCopy wraps it.
  const local = b.backend.findImage(from);
  if (local) return local;
  try {
    return await b.backend.pullImage(from);
  } catch (err) {
    throw invalid((err as Error).message);
  }
}
