import type { Graph } from '../../graph/graph.js';
import type { Handler } from '../context.js';
import { summaries } from '../images/list.js';
import type { LocalVolumes, Volume } from '../../volumes/local.js';
import { dfContainers } from './df-containers.js';

/**
 * `GET /system/df` as dockerd 20.10's SystemDiskUsage: the containers as `ps -a -s`
 * lists them, the images as `docker images` does (heads only, newest first) with the
 * bytes each shares with another listed image and how many containers use it, and
 * local volumes with their size.
 */
export const systemDf: Handler<'system_df'> = async (job, ctx) => {
  const { graph, volumes } = ctx;
  const containers = await dfContainers(ctx, job.signal);
  const images = summaries(graph, false, {});
  const chains = new Map<string, { chainId: string; size: number }[]>();
  const users = new Map<string, number>();
  for (const img of images) {
    const record = graph.findImage(img.Id);
    const chain = record ? layerChain(graph, record.topLayer) : [];
    chains.set(img.Id, chain);
    for (const l of chain) users.set(l.chainId, (users.get(l.chainId) ?? 0) + 1);
  }
  const usedBy = new Map<string, number>();
  for (const c of containers as { ImageID: string }[]) usedBy.set(c.ImageID, (usedBy.get(c.ImageID) ?? 0) + 1);
  return {
    LayersSize: graph.diskUsage().layersSize,
    Images: images.map((img) => ({
      ...img,
      SharedSize: chains.get(img.Id)!.reduce((n, l) => n + ((users.get(l.chainId) ?? 0) > 1 ? l.size : 0), 0),
      Containers: usedBy.get(img.Id) ?? 0,
    })),
    Containers: containers,
    Volumes: volumes ? await volumesUsage(volumes) : [],
    BuildCache: null,
    BuilderSize: 0,
  };
};

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
    // RefCount before Size, in the order of dockerd's VolumeUsageData fields.
    out.push({ ...v, UsageData: { RefCount: volumes.users(v.Name).length, Size: await volumes.size(v.Name) } });
  }
  return out;
}
