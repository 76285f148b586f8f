import { Conflict } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { volumesOf } from './common.js';
import { pruneFilter } from './filters.js';

let running = false;

/**
 * `POST /volumes/prune` as dockerd 20.10: every local volume no container references
 * (named ones too: the `all` filter and anonymous-only default came with API 1.42),
 * except volumes with driver options, which dockerd never prunes.
 */
export const volumePrune: Handler<'volume_prune'> = async (job, ctx) => {
  const volumes = volumesOf(ctx);
  const match = pruneFilter(job.args.filters);
  if (running) throw new Conflict('a prune operation is already running');
  running = true;
  try {
    const report = { VolumesDeleted: [] as string[], SpaceReclaimed: 0 };
    for (const v of volumes.list()) {
      if (job.signal.aborted) break;
      if (Object.keys(v.Options ?? {}).length > 0 || !match(v, false) || volumes.users(v.Name).length > 0) continue;
      const size = await volumes.size(v.Name);
      try {
        await volumes.remove(v.Name);
      } catch (err) {
        ctx.log.warn(`volume prune: could not remove ${v.Name}: ${(err as Error).message}`);
        continue;
      }
      report.VolumesDeleted.push(v.Name);
      report.SpaceReclaimed += size;
    }
    ctx.events.publish({ Type: 'volume', Action: 'prune', id: '', attributes: { reclaimed: String(report.SpaceReclaimed) } });
    return report;
  } finally {
    running = false;
  }
};
