import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../../drivers/graphdriver/archive/confine.js';
import { System, isErrno } from '../../engine/errors.js';

/*
 * `docker cp -a` (copyUIDGID): the copied files take the uid and gid of the
 * container's user. The user is looked up in the container's own /etc/passwd and
 * /etc/group (dockerd 20.10 asks the host's, which names the wrong user whenever
 * the two differ; the container's is what its processes will see).
 */

export interface Owner {
  uid: number;
  gid: number;
}

/** One `name:x:id:...` file of the rootfs as [name, fields] rows; none if it is missing. */
export async function ownerTable(root: string, file: string): Promise<string[][]> {
  let text: string;
  try {
    text = await readFile(path.join(root, await resolveInRoot(root, file, true)), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR')) return [];
    throw err;
  }
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split(':'));
}

const numeric = (s: string): boolean => /^\d+$/.test(s);

/** The owner for a `User` config value (`name`, `uid`, `name:group`, `uid:gid`...); null when unset. */
export async function containerOwner(root: string, user: string | undefined): Promise<Owner | null> {
  if (!user) return null;
  const [u = '', g] = user.split(':', 2);
  const passwd = await ownerTable(root, 'etc/passwd');
  const entry = passwd.find((f) => (numeric(u) ? f[2] === u : f[0] === u));
  if (!entry && !numeric(u)) throw new System(`unable to find user ${u}: no matching entries in passwd file`);
  const uid = numeric(u) ? Number(u) : Number(entry![2]);
  let gid = entry ? Number(entry[3] ?? 0) : 0;
  if (g !== undefined && g !== '') {
    if (numeric(g)) {
      gid = Number(g);
    } else {
      const grp = (await ownerTable(root, 'etc/group')).find((f) => f[0] === g);
      if (!grp) throw new System(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(grp[2]);
    }
  }
  return { uid, gid };
}
