import { Conflict } from '../../engine/errors.js';
import { pruneNetworks } from '../../network/ops.js';
import type { Handler } from '../context.js';
import { networksOf } from './common.js';
import { pruneFilter } from './filters.js';

let running = false;

/** `POST /networks/prune`: user-defined networks no running container uses. */
export const networkPrune: Handler<'network_prune'> = async (job, ctx) => {
  const match = pruneFilter(job.args.filters);
  if (running) throw new Conflict('a prune operation is already running');
  running = true;
  try {
    const deleted = await pruneNetworks(networksOf(ctx), match);
    ctx.events.publish({ Type: 'network', Action: 'prune', id: '', attributes: {} });
    // null when none went, as dockerd's report whose slice nothing was appended to.
    return { NetworksDeleted: deleted.length ? deleted : null };
  } finally {
    running = false;
  }
};
