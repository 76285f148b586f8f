/**
 * The layer-tar functions the drivers need, from src/drivers/graphdriver/archive
 * (written in parallel by the archive engineer). Loaded on first use through a
 * computed specifier, so the drivers compile, and everything that does not touch a
 * tar (create, get, put, remove) runs, before that module lands.
 */
import { Readable, type Writable } from 'node:stream';
import type { Change } from '../types.js';

export type Whiteouts = 'overlay' | 'aufs' | 'delete';

export interface LayerArchive {
  /** Unpack `tar` confined to `root`, converting whiteouts for the driver; resolves to bytes written. */
  applyTar(root: string, tar: Readable, opts: { whiteouts: Whiteouts; allowDevices?: boolean; split?: Writable }): Promise<number>;
  /** Replay a tar-split record against the files under `root`: the applied tar, byte for byte. */
  assembleTar(root: string, split: Readable): Readable;
  /** The tar of a layer's own diff dir, the driver's whiteouts turned back into `.wh.` entries. */
  packDir(root: string, opts: { whiteouts: 'overlay' | 'aufs' }): Readable;
  /** Changes of a full-copy layer dir against its parent's full copy (vfs). */
  naiveChanges(layerDir: string, parentDir: string | null): Promise<Change[]>;
  /** The layer tar of `changes`, read from the full-copy `layerDir`. */
  packChanges(layerDir: string, changes: Change[]): Readable;
}

const SPEC = '../archive/index.js';
let loaded: Promise<Partial<LayerArchive>> | undefined;

/** One function of the archive module; throws while that module does not provide it yet. */
export async function archiveFn<K extends keyof LayerArchive>(name: K): Promise<LayerArchive[K]> {
  loaded ??= import(new URL(SPEC, import.meta.url).href) as Promise<Partial<LayerArchive>>;
  // A failed load (module not there yet) is retried on the next call.
  const mod = await loaded.catch((err: unknown) => {
    loaded = undefined;
    throw err;
  });
  const fn = mod[name];
  if (typeof fn !== 'function') throw new Error(`graphdriver archive module lacks ${name}()`);
  return fn as LayerArchive[K];
}

/** `assembleTar` as a stream available at once (the module itself loads on first read). */
export function assembleLayer(root: string, split: Readable): Readable {
  return Readable.from((async function* () {
    const assembleTar = await archiveFn('assembleTar');
    yield* assembleTar(root, split);
  })(), { objectMode: false });
}
