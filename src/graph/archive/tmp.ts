import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Scratch space for load/save under `<data-root>/tmp` (the store's filesystem, so
 * spooled layers are read from the same disk they land on). Each name carries the
 * daemon run's start stamp; the first use in a run removes what earlier runs left
 * behind after a crash, so an interrupted load leaves nothing once the daemon is up again.
 */
const PREFIX = 'archive-';
const swept = new Set<string>();

export function tmpRoot(dataRoot: string): string {
  return join(dataRoot, 'tmp');
}

async function sweep(root: string, stamp: string): Promise<void> {
  const key = `${root}\0${stamp}`;
  if (swept.has(key)) return;
  swept.add(key);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return;
  }
  await Promise.all(names
    .filter((n) => n.startsWith(PREFIX) && !n.startsWith(`${PREFIX}${stamp}-`))
    .map((n) => rm(join(root, n), { recursive: true, force: true })));
}

/** A fresh private directory; the caller removes it with `rm(dir, { recursive: true, force: true })`. */
export async function makeScratch(dataRoot: string, runStamp: Date, kind: string): Promise<string> {
  const root = tmpRoot(dataRoot);
  const stamp = String(runStamp.getTime());
  await mkdir(root, { recursive: true, mode: 0o700 });
  await sweep(root, stamp);
  const dir = join(root, `${PREFIX}${stamp}-${kind}-${randomBytes(8).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/**
 * Start-up: remove every scratch directory a previous run left (a load cut short by
 * a crash or kill -9). Called by the composition root before the API serves.
 */
export async function sweepScratch(dataRoot: string): Promise<void> {
  const root = tmpRoot(dataRoot);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.startsWith(PREFIX)).map((n) => rm(join(root, n), { recursive: true, force: true })));
}
