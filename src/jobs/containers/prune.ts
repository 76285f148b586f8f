import { Conflict, InvalidParameter } from '../../engine/errors.js';
import { checkFilters, matchLabels, parseTimestamp } from '../../graph/filters.js';
import type { Filters } from '../../server/query.js';
import type { Handler } from '../context.js';
import { containersOf } from './common.js';
import { removeContainer } from './remove.js';
import type { ContainerPruneReport } from './runtime-types.js';
import type { ContainerRecord } from './types.js';
import { sizes } from './view.js';

/** One prune at a time, as dockerd's pruneRunning flag. */
let running = false;

/**
 * `POST /containers/prune?filters=`, as dockerd 20.10's ContainersPrune: every
 * container that does not run (created, exited, dead), narrowed by `until`, `label`
 * and `label!`; each goes through `rm`'s own logic, and one that cannot be removed is
 * skipped. SpaceReclaimed counts the removed RW layers.
 */
export const containerPrune: Handler<'container_prune'> = async (job, ctx) => {
  if (running) throw new Conflict('a prune operation is already running');
  running = true;
  try {
    const match = pruneFilter(job.args.filters);
    const report: ContainerPruneReport = { ContainersDeleted: null, SpaceReclaimed: 0 };
    for (const c of containersOf(ctx).all()) {
      if (job.signal.aborted) break;
      if (c.State.Running || !match(c)) continue;
      const { SizeRw } = await sizes(ctx, c).catch(() => ({ SizeRw: 0 }));
      try {
        await removeContainer(ctx, c.Id, { force: false, removeVolumes: false });
      } catch (err) {
        ctx.log.warn(`failed to prune container ${c.Id}: ${(err as Error).message}`);
        continue;
      }
      report.SpaceReclaimed += SizeRw;
      (report.ContainersDeleted ??= []).push(c.Id);
    }
    ctx.events.publish({ Type: 'container', Action: 'prune', id: '', attributes: { reclaimed: String(report.SpaceReclaimed) } });
    return report;
  } finally {
    running = false;
  }
};

/** The filters prune takes, with dockerd's errors: unknown keys 400, a bad or repeated `until` 500. */
function pruneFilter(filters: Filters): (c: ContainerRecord) => boolean {
  checkFilters(filters, ['label', 'label!', 'until']);
  let until: number | undefined;
  const untils = filters['until'] ?? [];
  // Bad filters are the client's input: 400s in dockerd's words (dockerd itself answers 500).
  if (untils.length > 1) throw new InvalidParameter('more than one until filter specified');
  if (untils.length === 1) {
    try {
      until = parseTimestamp(untils[0]!);
    } catch (err) {
      throw err;
    }
  }
  return (c) => {
    if (until !== undefined && Date.parse(c.Created) > until) return false;
    const labels = c.Config.Labels ?? {};
    if (!matchLabels(filters['label'], labels)) return false;
    // dockerd skips a container only when it matches every `label!` value.
    const not = filters['label!'];
    return !(not?.length && matchLabels(not, labels));
  };
}
