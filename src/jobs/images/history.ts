import type { Handler } from '../context.js';
import { chainIdOf } from '../../graph/layers.js';
import { familiarOf } from '../../graph/reference.js';
import { System } from '../../engine/errors.js';
import type { HistoryItem } from './types.js';
import { unixOf } from './common.js';

/**
 * `GET /images/{name}/history`: one row per history entry, newest first, sized by
 * the layer each non-empty entry added. Rows belong to `<missing>` unless they are
 * the image itself or one of its parent images (as dockerd walks `Parent`).
 */
export const imageHistory: Handler<'image_history'> = async (job, { graph }) => {
  const img = graph.resolve(job.args.name);
  const diffIds = img.config.rootfs.diff_ids;
  const rows: HistoryItem[] = [];
  let chain: string | null = null;
  let n = 0;
  for (const h of img.config.history ?? []) {
    let size = 0;
    if (!h.empty_layer) {
      const diffId = diffIds[n++];
      if (diffId === undefined) throw new System('too many non-empty layers in History section');
      chain = chainIdOf(chain, diffId);
      size = graph.getLayer(chain).size;
    }
    // Keys in dockerd's HistoryResponseItem order (alphabetical, as its generated type).
    rows.unshift({ Comment: h.comment ?? '', Created: unixOf(h.created), CreatedBy: h.created_by ?? '', Id: '<missing>', Size: size, Tags: null });
  }
  let cur: typeof img | undefined = img;
  for (const row of rows) {
    if (!cur) break;
    row.Id = cur.id;
    const tags = cur.tags.map(familiarOf);
    row.Tags = tags.length ? tags : null;
    cur = cur.parent ? graph.findImage(cur.parent) : undefined;
  }
  return rows;
};
