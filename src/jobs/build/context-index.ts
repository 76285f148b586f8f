import type { ContentDigests, SourceFs, SourceStat } from '../../builder/sources.js';
import type { DigestWalker } from './context-digest.js';

/*
 * The build context as its tar's headers describe it, standing in for the
 * extracted tree until a step needs the files (a cache miss of COPY or ADD). It is
 * made only for a plain archive, where the headers alone say what extraction would
 * leave on disk: regular files and directories, each named once, below a directory
 * listed earlier, with no xattrs and the root itself at most once. Extraction then
 * lands each one at its cleaned name with the header's owner and mode (apply.ts
 * metadata), so lstat's answers are known: type bits | mode & 07777, uid, gid,
 * size. Anything else (links, devices, a name met twice, a file under a file,
 * parents the archive leaves to be made, bytes the reader refuses) gives no index,
 * and the context is extracted at once, as before, with the extractor's errors.
 *
 * The entries come from the walk that digested the files as they arrived
 * (context-digest.ts), which reads names, PAX records and sizes as the extractor's
 * tar reader does and calls irregular whatever that reader would refuse; a second
 * pass with the reader itself cost a millisecond and 2 MB of garbage per 20 MB.
 */

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

interface Node {
  stat: SourceStat;
  /** Names of a directory's entries, in archive order; null for a file. */
  children: string[] | null;
}

function statOf(dir: boolean, mode: number, uid: number, gid: number, size: number): SourceStat {
  return {
    mode: (dir ? S_IFDIR : S_IFREG) | (mode & 0o7777), uid, gid, size,
    isFile: () => !dir, isDirectory: () => dir, isSymbolicLink: () => false,
  };
}

/** An error as node:fs words it, with the errno code the builder looks at. */
function fsError(code: 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EINVAL', syscall: string, rel: string): NodeJS.ErrnoException {
  const words = { ENOENT: 'no such file or directory', ENOTDIR: 'not a directory', EISDIR: 'illegal operation on a directory', EINVAL: 'invalid argument' };
  return Object.assign(new Error(`${code}: ${words[code]}, ${syscall} '${rel}'`), { code, syscall, path: rel });
}

export class ContextView implements SourceFs {
  constructor(private readonly nodes: Map<string, Node>, private readonly digests: ContentDigests, private readonly files: Map<string, Buffer>) {}

  /** The node at `rel` ('' the root), or lstat's error: ENOENT, or ENOTDIR through a file. */
  private find(rel: string, syscall: string): Node {
    const node = this.nodes.get(rel);
    if (node) return node;
    // Which error: the deepest existing ancestor tells (a file there: ENOTDIR).
    for (let p = rel; p !== '';) {
      const slash = p.lastIndexOf('/');
      p = slash === -1 ? '' : p.slice(0, slash);
      const up = this.nodes.get(p);
      if (up) throw fsError(up.children ? 'ENOENT' : 'ENOTDIR', syscall, rel);
    }
    throw fsError('ENOENT', syscall, rel);
  }

  async lstat(rel: string): Promise<SourceStat> {
    return this.find(rel, 'lstat').stat;
  }

  async readdir(rel: string): Promise<string[]> {
    const node = this.find(rel, 'scandir');
    if (!node.children) throw fsError('ENOTDIR', 'scandir', rel);
    return [...node.children];
  }

  async readlink(rel: string): Promise<string> {
    this.find(rel, 'readlink');
    throw fsError('EINVAL', 'readlink', rel);
  }

  /** resolveInRoot's walk with no symlinks to meet: `..` stops at the root, lookups fail as lstat does. */
  async resolve(rel: string, followFinal: boolean): Promise<string> {
    const resolved: string[] = [];
    const todo = rel.split('/').filter((c) => c !== '' && c !== '.');
    let missing = false;
    for (let i = 0; i < todo.length; i++) {
      const c = todo[i]!;
      if (c === '..') {
        resolved.pop();
        continue;
      }
      resolved.push(c);
      if (missing || (i === todo.length - 1 && !followFinal)) continue;
      try {
        this.find(resolved.join('/'), 'lstat');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        missing = true;
      }
    }
    return resolved.join('/');
  }

  async digest(rel: string, st: SourceStat): Promise<string> {
    const known = this.digests.get(rel);
    // Every file of an indexed context has its digest (indexContext checks).
    if (!known || known.size !== st.size) throw new Error(`no digest for ${rel} in the build context's index`);
    return known.digest;
  }

  /** A file's content when the index kept it (the Dockerfile, .dockerignore), else null. */
  kept(rel: string): Buffer | null {
    return this.files.get(rel) ?? null;
  }
}

/**
 * The view of the archive `walker` went through, keeping the content of the files
 * it was asked to keep; null when the archive is not plain (see above). `root` is
 * the lstat of the directory it would be extracted into.
 */
export function indexContext(walker: DigestWalker, root: SourceStat): ContextView | null {
  if (!walker.plain()) return null;
  const digests = walker.digests;
  const nodes = new Map<string, Node>([['', { stat: root, children: [] }]]);
  let rootSeen = false;
  for (const e of walker.entries) {
    // `tar -C dir -cf - .` starts with the root itself (`./`): extraction gives the
    // destination its owner and mode, and so does the view.
    if (e.name === '' && e.dir && !rootSeen) {
      rootSeen = true;
      nodes.get('')!.stat = statOf(true, e.mode, e.uid, e.gid, 0);
      continue;
    }
    if (e.name === '' || nodes.has(e.name)) return null;
    const slash = e.name.lastIndexOf('/');
    const parent = nodes.get(slash === -1 ? '' : e.name.slice(0, slash));
    if (!parent?.children) return null;
    if (!e.dir && digests.get(e.name)?.size !== e.size) return null;
    parent.children.push(e.name.slice(slash + 1));
    nodes.set(e.name, { stat: statOf(e.dir, e.mode, e.uid, e.gid, e.size), children: e.dir ? [] : null });
  }
  const files = new Map<string, Buffer>();
  for (const [name, pieces] of walker.kept) files.set(name, Buffer.concat(pieces));
  return new ContextView(nodes, digests, files);
}
