/**
 * aufs mount options list every branch. Only the first page's worth goes in the
 * mount call; the remaining branches are appended by remounts, as dockerd does.
 */
import { System } from '../../../engine/errors.js';
import { MNT_DETACH, MS_REMOUNT, mount, umount2 } from '../../../libcontainer/native.js';
import type { Layout } from './layout.js';

const PAGE_SIZE = 4096;
/** dio: direct I/O through to the branches; xino on tmpfs keeps inode numbers off the layers. */
const BASE_OPTS = 'dio,xino=/dev/shm/aufs.xino';

export function mountLayer(layout: Layout, id: string): void {
  const target = layout.mnt(id);
  const ro = layout.ancestors(id).map((a) => `${layout.diff(a)}=ro+wh`);
  let mounted = false;
  try {
    let opts = `br:${layout.diff(id)}=rw`;
    let i = 0;
    while (i < ro.length && `${opts}:${ro[i]},${BASE_OPTS}`.length < PAGE_SIZE) opts += `:${ro[i++]}`;
    mount('none', target, 'aufs', 0, `${opts},${BASE_OPTS}`);
    mounted = true;
    while (i < ro.length) {
      let append = `append:${ro[i++]}`;
      while (i < ro.length && `${append},append:${ro[i]}`.length < PAGE_SIZE) append += `,append:${ro[i++]}`;
      mount('none', target, 'aufs', MS_REMOUNT, append);
    }
  } catch (err) {
    if (mounted) umount2(target, MNT_DETACH);
    throw new System(`error creating aufs mount to ${target}: ${(err as Error).message}`, { cause: err });
  }
}
