/**
 * Mounting a layer's union. The options name every lower dir; with absolute paths a
 * chain of ~70 layers would pass the kernel's one-page limit on mount data, so past
 * that the mount is made from a helper process whose working directory is <home>,
 * with paths relative to it (dockerd re-executes itself for the same reason; the
 * daemon cannot chdir, it is one process with many jobs in flight).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { System } from '../../../engine/errors.js';
import { mount } from '../../../libcontainer/native.js';
import type { Layout } from './layout.js';

const run = promisify(execFile);

/** The kernel copies at most one page of mount data, NUL included. */
const PAGE_SIZE = 4096;

/**
 * With overlay's inode index on, reusing an upper dir under another lower stack
 * fails; dockerd turns it off where the kernel has the knob.
 */
function extraOptions(): string {
  return existsSync('/sys/module/overlay/parameters/index') ? ',index=off' : '';
}

export function overlayOptions(lowerdirs: string[], upper: string, work: string): string {
  return `lowerdir=${lowerdirs.join(':')},upperdir=${upper},workdir=${work}${extraOptions()}`;
}

/** Mount the union of layer `id` on its merged dir. */
export async function mountLayer(layout: Layout, id: string): Promise<void> {
  const lowers = layout.lowers(id);
  const target = layout.merged(id);
  const absolute = overlayOptions(lowers.map((l) => `${layout.home}/${l}`), layout.diff(id), layout.work(id));
  try {
    if (absolute.length < PAGE_SIZE) {
      mount('overlay', target, 'overlay', 0, absolute);
      return;
    }
    const relative = overlayOptions(lowers, `${id}/diff`, `${id}/work`);
    if (relative.length >= PAGE_SIZE) throw new Error(`mount options of ${lowers.length} lower layers exceed a page`);
    await run('mount', ['-t', 'overlay', 'overlay', '-o', relative, target], { cwd: layout.home });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new System(`error creating overlay mount to ${target}: ${detail}`, { cause: err });
  }
}
