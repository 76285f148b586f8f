import type { Readable } from 'node:stream';
import type { ImageRecord, LayerRecord } from '../types.js';

/**
 * The part of the Graph (src/graph/types.ts) the archive formats use. Written as an
 * interface so the format code depends on the contract, not on the Graph class.
 */
export interface ArchiveGraph {
  createLayer(parent: string | null, tar: Readable, opts?: { expectDiffId?: string }): Promise<LayerRecord>;
  layerTar(chainId: string): Promise<Readable>;
  /**
   * Optional: the byte length of `layerTar(chainId)` when the graph knows it without
   * producing the tar (e.g. recorded at createLayer). Lets save stream a layer
   * straight into the archive; without it the tar is spooled once to learn its size.
   */
  layerTarSize?(chainId: string): Promise<number | undefined> | number | undefined;
  createImage(configBytes: Buffer, opts?: { parent?: string }): ImageRecord;
  resolve(refOrId: string): ImageRecord;
  tag(imageId: string, ref: string): void;
}

/** One entry of a docker-archive's `manifest.json`. */
export interface ManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
  /** Layers whose content lives elsewhere (Windows base layers); read, never written. */
  LayerSources?: Record<string, unknown>;
}

/** What `load` did, for the job's output and events. */
export interface LoadedImage {
  id: string;
  /** Tags as written in the archive (`busybox:latest`). */
  tags: string[];
  /** For each tag that moved here from another image: that image's ID. */
  renamed: { tag: string; from: string }[];
}

/**
 * The graph with what load uses when offered: skipping layers it has already, and
 * releasing the layers of an image whose load failed half-way.
 */
export type LoadGraph = ArchiveGraph & {
  hasLayer?(chainId: string): boolean;
  releaseLayer?(chainId: string, own?: readonly string[]): Promise<unknown>;
};

/** The daemon's Graph (or any other implementation of the contract) as the archive code uses it. */
export function archiveGraph(graph: LoadGraph): LoadGraph {
  return graph;
}
