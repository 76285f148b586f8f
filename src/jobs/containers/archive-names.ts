import type { OwnerNames } from '../../drivers/graphdriver/archive/tar-writer.js';
import { ownerTable } from './archive-owner.js';

/*
 * The uname and gname of `docker cp` and `docker export` entries. dockerd 20.10
 * writes these tars in a helper chrooted into the container's root, with Go's
 * tar.FileInfoHeader, which names each owner by looking its uid and gid up in the
 * /etc/passwd and /etc/group it sees: the container's. So `docker cp c:/f - | tar -tv`
 * shows `root/root`, and GNU tar extracting as root maps owners by those names first.
 * An id the container does not name gets no name.
 */

function byId(rows: string[][]): Map<number, string> {
  const out = new Map<number, string>();
  for (const f of rows) {
    if (f[0] && f[2] !== undefined && /^\d+$/.test(f[2]) && !out.has(Number(f[2]))) out.set(Number(f[2]), f[0]);
  }
  return out;
}

/** The names the container's root gives to uids and gids, read once per archive. */
export async function containerOwnerNames(root: string): Promise<OwnerNames> {
  const users = byId(await ownerTable(root, 'etc/passwd'));
  const groups = byId(await ownerTable(root, 'etc/group'));
  return { user: (uid) => users.get(uid) ?? '', group: (gid) => groups.get(gid) ?? '' };
}
