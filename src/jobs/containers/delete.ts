import { rm } from 'node:fs/promises';
import { Conflict, NotImplemented } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containerDir, containersOf, publish, removeRwLayer } from './common.js';

/**
 * `DELETE /containers/{id}`: refuse a running container unless forced (as dockerd);
 * mark it `removing`, drop the RW layers and the container dir, then the row.
 * Force-killing a running container arrives with the execdriver wiring.
 */
export const containerDelete: Handler<'container_delete'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const c = store.get(job.args.name);
  if (c.State.Status === 'removing') {
    throw new Conflict(`removal of container ${c.Id} is already in progress`);
  }
  if (c.State.Running) {
    if (!job.args.force) {
      const what = c.State.Paused ? 'paused' : 'running';
      const how = c.State.Paused ? 'Unpause and then stop' : 'Stop';
      throw new Conflict(`You cannot remove a ${what} container ${c.Id}. ${how} the container before attempting removal or force remove`);
    }
    throw new NotImplemented('force-removing a running container is not implemented yet');
  }
  if (job.args.link) throw new NotImplemented('removing legacy links is not implemented');
  const before = c.State.Status;
  store.transition(c, 'removing');
  try {
    await removeRwLayer(ctx, c.Id);
    // Anonymous volumes (`v`): the volumes area's hook goes here once it exists.
    await rm(containerDir(ctx, c.Id), { recursive: true, force: true });
  } catch (err) {
    // dockerd leaves such a container `dead`; berth puts it back so that rm can be retried.
    c.State.Status = before;
    store.save(c);
    throw new Conflict(`unable to remove filesystem for ${c.Id}: ${(err as Error).message}`, { cause: err });
  }
  store.delete(c.Id);
  publish(ctx, c, 'destroy');
};
