/**
 * Choosing the graphdriver at start-up, as dockerd does:
 *   1. `-s/--storage-driver` names one: start it; if the host cannot run it, the
 *      daemon stops with "error initializing graphdriver: driver not supported: <name>: <reason>".
 *   2. Otherwise, if <data-root> already holds the layers of exactly one driver, that
 *      one (so a restart never hides the images pulled before it).
 *   3. Otherwise the first of overlay, aufs, vfs whose `init` does not throw
 *      NotSupported; the skipped ones are logged with their reason.
 * Any other error of an `init` (bad --storage-opt, I/O failure) is fatal.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../engine/log.js';
import { NotSupported, type DriverInit, type GraphDriver } from './types.js';
import { init as overlay } from './overlay/index.js';
import { init as aufs } from './aufs/index.js';
import { init as vfs } from './vfs/index.js';

/** The drivers, in the order tried when none is named. */
const DRIVERS: [string, DriverInit][] = [
  ['overlay', overlay],
  ['aufs', aufs],
  ['vfs', vfs],
];

/** Other names accepted for `-s` (dockerd's driver is called overlay2). */
const ALIASES: Record<string, string> = { overlay2: 'overlay' };

/** Does `<home>` already hold layers of the driver `name`? */
function hasLayers(name: string, home: string): boolean {
  const nonEmpty = (dir: string): boolean => existsSync(dir) && readdirSync(dir).some((e) => !e.startsWith('.'));
  switch (name) {
    case 'overlay':
      return existsSync(home) && readdirSync(home).some((e) => e !== 'l' && !e.startsWith('check-overlay-') && existsSync(join(home, e, 'diff')));
    case 'aufs':
      return nonEmpty(join(home, 'diff'));
    case 'vfs':
      return nonEmpty(join(home, 'dir'));
    default:
      return false;
  }
}

function fail(err: unknown): never {
  const detail = err instanceof Error ? err.message : String(err);
  throw new Error(`error initializing graphdriver: ${detail}`, { cause: err });
}

async function start(dataRoot: string, name: string, init: DriverInit, opts: string[]): Promise<GraphDriver> {
  try {
    return await init(join(dataRoot, name), opts);
  } catch (err) {
    fail(err);
  }
}

/** Pick and start the graphdriver: the named one, else the one already in use, else the first that works. */
export async function selectDriver(dataRoot: string, name: string | null, opts: string[], log: Logger): Promise<GraphDriver> {
  if (name) {
    const canonical = ALIASES[name] ?? name;
    const entry = DRIVERS.find(([n]) => n === canonical);
    if (!entry) fail(new NotSupported(name, 'no such storage driver (known: overlay, aufs, vfs)'));
    const driver = await start(dataRoot, canonical, entry[1], opts);
    log.info(`[graphdriver] using storage driver ${canonical} (chosen with --storage-driver)`);
    return driver;
  }

  const prior = DRIVERS.filter(([n]) => hasLayers(n, join(dataRoot, n)));
  if (prior.length > 1) {
    fail(new Error(`${dataRoot} contains several valid graphdrivers: ${prior.map(([n]) => n).join(', ')}; ` +
      'cleanup or explicitly choose storage driver (-s <DRIVER>)'));
  }
  if (prior.length === 1) {
    const [n, init] = prior[0]!;
    const driver = await start(dataRoot, n, init, opts);
    log.info(`[graphdriver] using prior storage driver: ${n}`);
    return driver;
  }

  for (const [n, init] of DRIVERS) {
    try {
      const driver = await init(join(dataRoot, n), opts);
      log.info(`[graphdriver] using storage driver ${n}`);
      return driver;
    } catch (err) {
      if (!(err instanceof NotSupported)) fail(err);
      log.info(`[graphdriver] skipping storage driver ${n}: ${err.message}`);
    }
  }
  fail(new Error('no storage driver works on this host'));
}
