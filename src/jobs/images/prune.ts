import type { Handler } from '../context.js';
import { boolFilter, checkFilters, matchLabels, matchNoLabels, parseTimestamp } from '../../graph/filters.js';
import { format, parseStored } from '../../graph/reference.js';
import { isBerthConflictOrNotFound } from './errors.js';
import { createdMs, labelsOf } from './common.js';
import type { DeleteItem, PruneReport } from './types.js';
import { removeImage } from './delete.js';

/**
 * `POST /images/prune`, as dockerd's ImagesPrune: by default dangling images (no tag;
 * digest-only references count as none) that are not some image's parent; with
 * `dangling=false` every image no container uses. `until` and `label`/`label!`
 * narrow it. Each image goes through the rmi job's logic (so parents are pruned,
 * conflicts skip the image), and the space is what the removed layers held.
 */
export const imagePrune: Handler<'image_prune'> = async (job, ctx) => {
  const { filters } = job.args;
  checkFilters(filters, ['dangling', 'label', 'label!', 'until']);
  const danglingOnly = boolFilter('dangling', filters.dangling) ?? true;
  const until = filters.until?.length ? parseTimestamp(filters.until[filters.until.length - 1]!) : undefined;
  const { graph } = ctx;
  const layersBefore = new Map(graph.layers.all().map((l) => [l.chainId, l.size]));

  const images = graph.listImages();
  const parents = new Set(images.map((i) => i.parent));
  const deleted: DeleteItem[] = [];
  for (const img of images) {
    if (danglingOnly && parents.has(img.id)) continue;
    if (until !== undefined && createdMs(img) > until) continue;
    const labels = labelsOf(img.config);
    if (!matchLabels(filters.label, labels) || !matchNoLabels(filters['label!'], labels)) continue;
    if (graph.usedBy(img.id).length > 0) continue;
    if (!graph.findImage(img.id)) continue; // already went as some pruned image's parent
    const refs = [...img.tags, ...img.digests];
    const names = refs.length === 0 ? [img.id.slice(7)] : danglingOnly && img.tags.length > 0 ? [] : refs;
    for (const name of names) {
      try {
        deleted.push(...(await removeImage(ctx, refs.length ? format(parseStored(name)) : name, false, true)));
      } catch (err) {
        if (!isBerthConflictOrNotFound(err)) throw err;
      }
    }
  }
  let reclaimed = 0;
  for (const [chainId, size] of layersBefore) if (!graph.hasLayer(chainId)) reclaimed += size;
  ctx.events.publish({ Type: 'image', Action: 'prune', id: '', attributes: { reclaimed: String(reclaimed) } });
  const report: PruneReport = { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  return report;
};
