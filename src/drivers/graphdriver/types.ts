import type { Readable, Writable } from 'node:stream';

/**
 * A graphdriver stores layers as directories, one per layer id (the "cache id" of
 * the graph; an opaque random hex string, never a content digest), each built on a
 * parent layer:
 *
 *   create(id, parent)   a new empty layer on top of `parent` (null: a base layer)
 *   get(id)              mount it (if the driver mounts) and return the merged view's path;
 *                        calls are counted, each get needs one put
 *   put(id)              release one get; the last put unmounts
 *   applyDiff(id, tar)   unpack a layer tar (whiteouts and opaque dirs in the
 *                        image-spec format) into layer `id`, confined to it
 *   diff(id)             the layer tar of what `id` changes relative to its parent
 *   changes(id)          the list of paths `id` adds, modifies or deletes
 *   remove(id)           delete the layer (it must not be mounted)
 *
 * Vocabulary: the *parent* of a layer is the layer it was created on; a *chain* is
 * a layer with all its ancestors; *whiteout* is a deleted path, written in layer tars
 * as `.wh.<name>` and an *opaque* directory as `.wh..wh..opq`.
 */
export interface GraphDriver {
  readonly name: string;
  /** Where this driver keeps its layers: `<data-root>/<driver-name>`. */
  readonly home: string;
  create(id: string, parent: string | null): Promise<void>;
  remove(id: string): Promise<void>;
  get(id: string): Promise<string>;
  put(id: string): Promise<void>;
  exists(id: string): boolean;
  /** Unpack a layer tar into `id`; resolves to the size in bytes of what was written. */
  applyDiff(id: string, tar: Readable, opts?: ApplyOptions): Promise<number>;
  /** A layer tar of `id`'s changes relative to its parent. */
  diff(id: string): Promise<Readable>;
  /**
   * Replay the tar-split record `applyDiff` wrote (`split`, as written: gzipped) against
   * layer `id`'s files: the tar that was applied, byte for byte, so diffIDs survive
   * save and push. Optional: without it the graph falls back to `diff`.
   */
  assemble?(id: string, split: Readable): Readable;
  changes(id: string): Promise<Change[]>;
  /** Bytes `id` adds relative to its parent. */
  diffSize(id: string): Promise<number>;
  /** `docker info`'s "Driver Status" pairs. */
  status(): [string, string][];
  /** `inspect`'s GraphDriver.Data for layer `id`. */
  metadata(id: string): Record<string, string>;
  /** Ids of all layers on disk, for the start-up sweep of unreferenced ones. */
  list(): Promise<string[]>;
  /**
   * Unmount everything this driver mounted; called at shutdown. Layers in `keep` stay
   * mounted: containers left running (live restore) still use them, and overlayfs
   * refuses a second mount of an upper dir in use.
   */
  cleanup(keep?: ReadonlySet<string>): Promise<void>;
}

export interface ApplyOptions {
  /** Allow device nodes (char/block/fifo) in the tar; false rejects them. Default true for image layers. */
  allowDevices?: boolean;
  /** Receives the tar-split record of the tar (gzipped JSON lines); ended when applyDiff settles. */
  split?: Writable;
}

/** One entry of `docker diff`: Kind 0 modified, 1 added, 2 deleted. */
export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** The host cannot run this driver; the selector skips it and tries the next. */
export class NotSupported extends Error {
  constructor(readonly driver: string, reason: string) {
    super(`driver not supported: ${driver}: ${reason}`);
  }
}

export type DriverInit = (home: string, options: string[]) => Promise<GraphDriver>;
