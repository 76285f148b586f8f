import { familiarOf } from '../../graph/reference.js';
import type { Graph } from '../../graph/graph.js';
import type { ImageRecord } from '../../graph/types.js';
import type { Handler } from '../context.js';
import type { LocalVolumes, Volume } from '../../volumes/local.js';
import type { DfImage } from './types.js';

const ZERO_UNIX = -62135596800;

/**
 * `GET /system/df`: layer bytes on disk and every image with its size, the bytes it
 * shares with other images, and how many containers use it. Containers, volumes and
 * build cache join as those areas land.
 */
export const systemDf: Handler<'system_df'> = async (_job, { graph, volumes }) => {
  const images = graph.listImages();
  const chains = new Map<string, { chainId: string; size: number }[]>();
  const users = new Map<string, number>();
  for (const img of images) {
    const chain = layerChain(graph, img.topLayer);
    chains.set(img.id, chain);
    for (const l of chain) users.set(l.chainId, (users.get(l.chainId) ?? 0) + 1);
  }
  return {
    LayersSize: graph.diskUsage().layersSize,
    Images: images.map((img) => summary(graph, img, chains.get(img.id)!, users)),
    Containers: [],
    Volumes: volumes ? await volumesUsage(volumes) : [],
    BuildCache: null,
    BuilderSize: 0,
  };
};

function summary(graph: Graph, img: ImageRecord, chain: { chainId: string; size: number }[], users: Map<string, number>): DfImage {
  const size = chain.reduce((n, l) => n + l.size, 0);
  const shared = chain.reduce((n, l) => n + ((users.get(l.chainId) ?? 0) > 1 ? l.size : 0), 0);
  const created = img.config.created ? Date.parse(img.config.created) : Number.NaN;
  return {
    Id: img.id,
    ParentId: img.parent ?? '',
    RepoTags: img.tags.map(familiarOf),
    RepoDigests: img.digests.map(familiarOf),
    Created: Number.isNaN(created) ? ZERO_UNIX : Math.floor(created / 1000),
    Size: size,
    SharedSize: shared,
    VirtualSize: size,
    Labels: img.config.config?.Labels ?? null,
    Containers: graph.usedBy(img.id).length,
  };
}

/** The layers under `top`, top first, with the bytes each adds. */
function layerChain(graph: Graph, top: string | null): { chainId: string; size: number }[] {
  const out: { chainId: string; size: number }[] = [];
  for (let id = top; id; ) {
    const l = graph.getLayer(id);
    out.push({ chainId: l.chainId, size: l.size });
    id = l.parent;
  }
  return out;
}

/** Volumes with their size and reference count; like dockerd, not those with mount options. */
async function volumesUsage(volumes: LocalVolumes): Promise<Volume[]> {
  const out: Volume[] = [];
  for (const v of volumes.list()) {
    if (Object.keys(v.Options ?? {}).length > 0) continue;
    out.push({ ...v, UsageData: { Size: await volumes.size(v.Name), RefCount: volumes.users(v.Name).length } });
  }
  return out;
}
