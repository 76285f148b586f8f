import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Bytes under `dir`: regular files counted once per inode (hard links share one),
 * links never followed; 0 for a directory that vanished meanwhile.
 */
export async function du(dir: string, seen = new Set<number>()): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      total += await du(p, seen);
    } else if (e.isFile()) {
      const st = await lstat(p).catch(() => undefined);
      if (st && !seen.has(st.ino)) {
        seen.add(st.ino);
        total += st.size;
      }
    }
  }
  return total;
}
