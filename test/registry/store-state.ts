import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDaemon } from '../helpers/daemon.js';
import { ok } from '../helpers/cli.js';

/**
 * What a failed or interrupted pull may leave in a berth data root: finished layer
 * dirs (`image/layerdb/sha256`), layers being written (`image/layerdb/tmp`), the
 * graphdriver's layer dirs (overlay's `l` link dir aside) and spools (`tmp`).
 */
export interface StoreState { layers: string[]; writing: string[]; driver: string[]; spool: string[] }

const list = (dir: string): string[] => { try { return readdirSync(dir).sort(); } catch { return []; } };

export function storeState(d: Pick<TestDaemon, 'dir'>): StoreState {
  const data = join(d.dir, 'data');
  return {
    layers: list(join(data, 'image/layerdb/sha256')),
    writing: list(join(data, 'image/layerdb/tmp')),
    driver: ['overlay', 'vfs', 'aufs'].flatMap((n) => list(join(data, n)).filter((e) => !(n === 'overlay' && e === 'l')).map((e) => `${n}/${e}`)),
    spool: list(join(data, 'tmp')),
  };
}

/** No image and no layer, finished or not, and the daemon answers. */
export async function assertEmptyStore(d: TestDaemon, what: string): Promise<void> {
  assert.equal((await ok(d, ['images', '-a', '-q'])).trim(), '', `${what}: images left`);
  assert.deepEqual(storeState(d), { layers: [], writing: [], driver: [], spool: [] }, `${what}: files left in the store`);
}
