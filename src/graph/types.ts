import type { Readable } from 'node:stream';

/**
 * The contract of the image graph (src/graph/graph.ts), shared by the image jobs,
 * the archive formats (load/save/import) and the system jobs (info, df).
 *
 * Vocabulary (OCI image spec): an image's ID is `sha256:` + sha256 of its config
 * JSON bytes; a layer's diffID is the sha256 of its uncompressed tar; its chainID
 * is diffID for a base layer, else sha256(parentChainID + " " + diffID). The
 * graphdriver stores each layer under a random cache id.
 */

export interface LayerRecord {
  chainId: string;
  diffId: string;
  parent: string | null;
  cacheId: string;
  /** Bytes of content this layer adds. */
  size: number;
}

export interface ImageRecord {
  /** `sha256:<hex>` */
  id: string;
  /** The config JSON exactly as stored (its sha256 is the ID). */
  configBytes: Buffer;
  config: ImageConfig;
  topLayer: string | null;
  parent: string | null;
  /** Normalised tags, e.g. `docker.io/library/busybox:latest`. */
  tags: string[];
  /** Normalised digest references, e.g. `docker.io/library/busybox@sha256:...`. */
  digests: string[];
}

/** The image config JSON (OCI image config plus Docker's fields), as far as berth reads it. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  comment?: string;
  docker_version?: string;
  container?: string;
  container_config?: ContainerConfig;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [extra: string]: unknown;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The `Config` of an image (and of a container), with the Engine API's field names. */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, Record<string, never>> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: unknown;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Shell?: string[];
  [extra: string]: unknown;
}

/**
 * What the graph offers (implemented by `Graph`):
 *
 * Layers
 *   hasLayer(chainId): boolean
 *   getLayer(chainId): LayerRecord                     throws NotFound
 *   createLayer(parent: chainId|null, tar, opts): Promise<LayerRecord>
 *       unpacks `tar` through the graphdriver on top of `parent`, computing the
 *       diffID as it streams; if `opts.expectDiffId` is given and differs, nothing
 *       is kept and it throws InvalidParameter. A layer whose chainID exists already
 *       is not unpacked twice (the stream is drained). The row is written only after
 *       the content is fully on disk (crash safety).
 *   layerTar(chainId): Promise<Readable>               the layer tar, byte-identical to
 *       the one applied, so diffIDs survive save/push.
 *
 * Images
 *   createImage(configBytes, opts?: { parent?: string }): ImageRecord
 *       validates the config, checks every rootfs layer exists as a chain, inserts
 *       (idempotent), returns the record. Emits nothing; the job emits events.
 *   resolve(refOrId: string): ImageRecord              name[:tag], name@digest, full or
 *       short ID (as dockerd resolves them); throws NotFound in dockerd's words,
 *       `No such image: <familiar name>:<tag>` (`No such image: busybox:latest`), and
 *       InvalidParameter for a malformed reference
 *   listImages(): readonly ImageRecord[]
 *   tag(imageId, ref: string) / untag(ref: string)     ref familiar or full; tag adds `:latest`
 *   deleteImage(imageId): Promise<LayerRecord[]>       the row, its references, then the
 *       layers nobody else uses (returned top first); conflicts are the rmi job's policy
 *   usedBy(imageId) / heldLayers()                     hooks the containers area replaces:
 *       containers created from an image (rmi/prune conflicts) and chainIDs under
 *       containers' RW layers (kept by the start-up sweep); both empty by default
 *   imageSize(image): number                           total bytes of its layer chain
 *   diskUsage(): { layersSize: number }                all layers' bytes, for /system/df
 *   restore(): Promise<void>                           start-up sweep: graphdriver dirs
 *       with no layer row, and layers no image references, are removed.
 */
export interface LayerTarSource {
  layerTar(chainId: string): Promise<Readable>;
}
