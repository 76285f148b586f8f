import type { Handler } from '../context.js';
import { containersOf } from './common.js';

/**
 * `GET /containers/{id}/changes` (`docker diff`): what the RW layer changes relative
 * to its `-init` layer, so the stubs the daemon made there (/etc/hosts, /etc/hostname,
 * /etc/resolv.conf, /.dockerenv) never show, as in dockerd. `null` when nothing
 * changed, which is what dockerd sends.
 */
export const containerChanges: Handler<'container_changes'> = async (job, ctx) => {
  const c = containersOf(ctx).get(job.args.name);
  const changes = await ctx.graph.driver.changes(c.Id);
  return changes.length > 0 ? changes : null;
};
