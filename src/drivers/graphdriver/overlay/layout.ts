/**
 * On-disk layout of the overlay driver, as dockerd's overlay2 keeps it:
 *
 *   <home>/                       <data-root>/overlay
 *     l/<short> -> ../<id>/diff   one short symlink per layer, so that a mount's
 *                                 lowerdir list of a deep chain stays under a page
 *     <id>/
 *       diff/                     this layer's own files (overlay's upperdir while mounted);
 *                                 a deleted path is a 0/0 character device, an opaque
 *                                 directory carries the xattr trusted.overlay.opaque=y
 *       link                      the layer's <short> name
 *       lower                     `l/<short>:l/<short>...` of its ancestors, nearest
 *                                 first; absent for a base layer, which is never mounted
 *                                 (get returns its diff dir)
 *       work/                     overlay's workdir, on the same filesystem as diff
 *       merged/                   mount point of the union while the layer is got
 *
 * The on-disk format matches dockerd's, so layers survive a restart of the daemon;
 * reference counts of `get` live in memory only (a restart starts with none mounted).
 */
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** dockerd refuses chains deeper than this (the kernel's overlay stacking is bounded too). */
export const MAX_DEPTH = 128;

const SHORT_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A 26-character base32 name for `l/`, as long as dockerd's. */
export function shortName(): string {
  let s = '';
  for (let i = 0; i < 26; i++) s += SHORT_ALPHABET[randomInt(SHORT_ALPHABET.length)];
  return s;
}

export class Layout {
  constructor(readonly home: string) {}

  dir(id: string): string { return join(this.home, id); }
  diff(id: string): string { return join(this.home, id, 'diff'); }
  work(id: string): string { return join(this.home, id, 'work'); }
  merged(id: string): string { return join(this.home, id, 'merged'); }
  linkFile(id: string): string { return join(this.home, id, 'link'); }
  lowerFile(id: string): string { return join(this.home, id, 'lower'); }
  links(): string { return join(this.home, 'l'); }
  link(short: string): string { return join(this.home, 'l', short); }

  /** The layer's short name, from its `link` file. */
  shortOf(id: string): string {
    return readFileSync(this.linkFile(id), 'utf8').trim();
  }

  /** `l/<short>` entries of the layer's ancestors, nearest first; [] for a base layer. */
  lowers(id: string): string[] {
    const file = this.lowerFile(id);
    if (!existsSync(file)) return [];
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? [] : text.split(':');
  }

  /** The ancestors' diff dirs as real absolute paths (what `inspect` shows as LowerDir). */
  lowerDiffs(id: string): string[] {
    return this.lowers(id).map((entry) => {
      const link = join(this.home, entry);
      return resolve(join(link, '..'), readlinkSync(link));
    });
  }
}
