import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { packDir } from '../../drivers/graphdriver/archive/pack.js';
import { InvalidParameter, System } from '../../engine/errors.js';
import { cleanName, resolveInRoot } from '../../drivers/graphdriver/archive/confine.js';

/*
 * `remote=` with a git URL, as dockerd 20.10's gitutils clones it: `URL#ref:subdir`
 * (ref `master` when none), a new repository fetching just that ref (shallow where
 * the server allows it), FETCH_HEAD checked out with its submodules, and the subdir,
 * or the whole tree, sent on as the context's tar. The clone is removed once the tar
 * has been read.
 */
const pexec = promisify(execFile);

interface GitRemote {
  remote: string;
  ref: string;
  subdir: string;
}

/** dockerd's parseRemoteURL: `github.com/x` means https, `git@` stays as written. */
function parseRemote(url: string): GitRemote {
  let remote = url.startsWith('github.com/') ? `https://${url}` : url;
  let fragment = '';
  const hash = remote.indexOf('#');
  if (hash >= 0) {
    fragment = remote.slice(hash + 1);
    remote = remote.slice(0, hash);
  }
  const colon = fragment.indexOf(':');
  const ref = (colon < 0 ? fragment : fragment.slice(0, colon)) || 'master';
  const subdir = colon < 0 ? '' : fragment.slice(colon + 1);
  if (ref.startsWith('-')) throw new InvalidParameter(`invalid refspec: ${ref}`);
  return { remote, ref, subdir };
}

async function git(dir: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await pexec('git', args, {
      cwd: dir, encoding: 'utf8', maxBuffer: 1 << 24,
      // Never ask for credentials on a terminal the daemon does not have.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PROTOCOL_FROM_USER: '0' },
    });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; stdout?: string; code?: string | number };
    if (e.code === 'ENOENT') throw new System('unable to find git in the daemon\'s PATH: git build contexts need git installed');
    // As dockerd words a failed git: its output, then Go's `exit status N`.
    throw new System(`${(e.stdout ?? '') + (e.stderr ?? '')}: exit status ${e.code}`, { cause: err });
  }
}

/** Clone `url` under `scratch` and give back its tree (or subdir) as a tar; the clone goes when the tar has been read. */
export async function gitContext(url: string, scratch: string, signal: AbortSignal): Promise<Readable> {
  const repo = parseRemote(url);
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  const root = await mkdtemp(join(scratch, 'build-git-'));
  try {
    await git(root, ['init', '-q']);
    await git(root, ['remote', 'add', 'origin', repo.remote]);
    signal.throwIfAborted();
    try {
      await git(root, ['fetch', '-q', '--depth', '1', 'origin', '--', repo.ref]);
    } catch {
      // dumb HTTP servers and some others cannot serve a shallow fetch
      try {
        await git(root, ['fetch', '-q', 'origin', '--', repo.ref]);
      } catch (err) {
        throw new System(`error fetching: ${(err as Error).message}`, { cause: err });
      }
    }
    signal.throwIfAborted();
    await git(root, ['checkout', '-q', 'FETCH_HEAD']).catch((err: Error) => {
      throw new System(`error checking out ${repo.ref}: ${err.message}`, { cause: err });
    });
    await git(root, ['submodule', 'update', '-q', '--init', '--recursive', '--depth=1']).catch((err: Error) => {
      throw new System(`error initializing submodules: ${err.message}`, { cause: err });
    });
    let dir = root;
    if (repo.subdir) {
      // Confined to the clone: a subdir (or a link in it) cannot lead out of it.
      dir = join(root, await resolveInRoot(root, cleanName(repo.subdir, 'git subdirectory'), true));
      const st = await stat(dir).catch((err: NodeJS.ErrnoException) => {
        throw new InvalidParameter(`stat ${dir}: no such file or directory`, { cause: err });
      });
      if (!st.isDirectory()) throw new InvalidParameter(`error setting git context, not a directory: ${dir}`);
    }
    const tar = packDir(dir, { whiteouts: 'aufs' });
    const drop = (): void => { void rm(root, { recursive: true, force: true }); };
    tar.once('close', drop);
    return tar;
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}
