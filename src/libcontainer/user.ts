/**
 * `-u name[:group]` → numeric ids, read from the container's own /etc/passwd and
 * /etc/group. The rootfs belongs to the image, so every path is resolved inside it:
 * a symlinked /etc/passwd pointing at `/etc/shadow` or `../../host` reads the file
 * of that name inside the rootfs, never the host's. Messages follow runc's, which is
 * what dockerd 20.10 reports.
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidParameter, isErrno } from '../engine/errors.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** The home directory from passwd, `/` when unknown (for $HOME). */
  home: string;
}

const MAX_ID = 2 ** 31 - 1;
const MAX_SYMLINKS = 40;

/**
 * Resolves `path` (absolute inside the container) to a host path under `root`,
 * following symlinks as if `root` were `/`: `..` and absolute targets stop at root.
 * Synchronous inside: a few lstats of a local rootfs cost microseconds, where each
 * trip through libuv's thread pool cost a busy daemon a fraction of a millisecond
 * (an exec resolves its user on every start).
 */
export async function resolveInRoot(root: string, path: string): Promise<string> {
  return resolveInRootSync(root, path);
}

function resolveInRootSync(root: string, path: string): string {
  let pending = path.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let st;
    try {
      st = lstatSync(host);
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTDIR')) throw err;
    }
    if (!st?.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new InvalidParameter(`too many levels of symbolic links: ${path}`);
    const target = readlinkSync(host);
    if (target.startsWith('/')) done.length = 0;
    pending = [...target.split('/').filter(Boolean), ...pending];
  }
  return join(root, ...done);
}

async function readInRoot(root: string, path: string): Promise<string | undefined> {
  try {
    return readFileSync(resolveInRootSync(root, path), 'utf8');
  } catch (err) {
    // A missing file is not an error: numeric ids still work without it.
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR')) return undefined;
    throw err;
  }
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

function lines(text: string): string[][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
}

function parsePasswd(text: string): PasswdEntry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' }))
    .filter((e) => Number.isInteger(e.uid) && Number.isInteger(e.gid));
}

function parseGroup(text: string): GroupEntry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }))
    .filter((e) => Number.isInteger(e.gid));
}

/** A decimal id, or undefined when the word is a name. */
function numeric(word: string): number | undefined {
  return /^\d+$/.test(word) ? Number(word) : undefined;
}

function inRange(id: number): number {
  if (id > MAX_ID) throw new InvalidParameter(`uids and gids must be in range 0-${MAX_ID}`);
  return id;
}

/**
 * Resolves `spec` (`""`, `name`, `uid`, `name:group`, `uid:gid`...) against the
 * rootfs, plus `--group-add` entries. With no group given, the supplementary groups
 * are those listing the user as a member, as login would set them.
 */
export async function resolveUser(rootfs: string, spec: string, groupAdd: readonly string[] = []): Promise<ResolvedUser> {
  // libcontainer's parseLine: the fields between colons, any past the second ignored.
  const [userArg = '', groupArg = ''] = spec.split(':');
  const passwdText = await readInRoot(rootfs, '/etc/passwd');
  const groupText = await readInRoot(rootfs, '/etc/group');
  const users = passwdText === undefined ? [] : parsePasswd(passwdText);
  const groups = groupText === undefined ? [] : parseGroup(groupText);

  const out: ResolvedUser = { uid: 0, gid: 0, additionalGids: [], home: '/' };
  const uidArg = numeric(userArg);
  // No user means root, looked up so that root's groups and home are found.
  const match = users.find((u) => (userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg));
  let matchedName = '';
  if (match) {
    matchedName = match.name;
    Object.assign(out, { uid: match.uid, gid: match.gid, home: match.home || '/' });
  } else if (userArg !== '') {
    if (uidArg === undefined) {
      throw new InvalidParameter(`unable to find user ${userArg}: no matching entries in passwd file`);
    }
    out.uid = inRange(uidArg);
  }

  if (groupArg !== '') {
    const gidArg = numeric(groupArg);
    const g = groups.find((x) => (gidArg !== undefined ? x.gid === gidArg : x.name === groupArg));
    if (g) out.gid = g.gid;
    else if (gidArg === undefined) {
      throw new InvalidParameter(`unable to find group ${groupArg}: no matching entries in group file`);
    } else out.gid = inRange(gidArg);
  }
  // As dockerd builds it: the primary group, then the groups listing the user (only
  // when no group was named), then --group-add.
  out.additionalGids = [out.gid];
  if (groupArg === '' && matchedName !== '') {
    out.additionalGids.push(...groups.filter((g) => g.members.includes(matchedName)).map((g) => g.gid));
  }

  for (const word of groupAdd) {
    const g = groups.find((x) => x.name === word || String(x.gid) === word);
    let gid: number;
    if (g) gid = g.gid;
    else {
      const n = numeric(word);
      if (n === undefined) {
        // runc's GetAdditionalGroups names the first group it cannot find, neither in the file nor numeric.
        throw new InvalidParameter(`Unable to find group ${word}: no matching entries in group file`);
      }
      gid = inRange(n);
    }
    out.additionalGids.push(gid);
  }
  return out;
}
