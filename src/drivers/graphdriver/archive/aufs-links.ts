import { constants } from 'node:fs';
import { copyFile, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TarEntry } from './tar-reader.js';

/** Where aufs keeps files with several links across layers. */
export const AUFS_LINK_DIR = '.wh..wh.plnk';

/**
 * Layers written by old aufs daemons carry hardlinked files under
 * `/.wh..wh.plnk/` and hardlinks pointing there. Outside aufs that directory means
 * nothing, so, as dockerd does, its files are kept aside while the tar is read and
 * a hardlink to one becomes a copy of it, with the stashed file's metadata.
 */
export class AufsLinks {
  private dir: string | null = null;
  private readonly files = new Map<string, { entry: TarEntry; file: string }>();

  /** Keep the data of `.wh..wh.plnk/<name>` aside; resolves to the bytes kept. */
  async stash(e: TarEntry, rel: string, body: AsyncIterable<Buffer>, onData: (b: Buffer) => void): Promise<number> {
    this.dir ??= await mkdtemp(path.join(tmpdir(), 'berth-plnk-'));
    const name = path.posix.basename(rel);
    const file = path.join(this.dir, String(this.files.size));
    const fh = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    let size = 0;
    try {
      for await (const chunk of body) {
        onData(chunk);
        await fh.write(chunk);
        size += chunk.length;
      }
    } finally {
      await fh.close();
    }
    this.files.set(name, { entry: e, file });
    return size;
  }

  /** The stashed file a hardlink target (cleaned) names, if it is one. */
  lookup(target: string): { entry: TarEntry; file: string } | undefined {
    if (!target.startsWith(`${AUFS_LINK_DIR}/`)) return undefined;
    return this.files.get(path.posix.basename(target));
  }

  /** Copy a stashed file to `abs` (which must not exist). */
  async copyTo(file: string, abs: string): Promise<void> {
    await copyFile(file, abs, constants.COPYFILE_EXCL);
  }

  async cleanup(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
