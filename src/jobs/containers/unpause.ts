import { System } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containersOf, publish } from './common.js';
import { runtimeOf } from './runtime.js';
import './runtime-types.js';

/**
 * `POST /containers/{id}/unpause`: thaw the container's cgroup and record it
 * `running` again. dockerd 20.10 answers a container that is not paused with a plain
 * error, so a 500 (not a 409) with its words.
 */
export const containerUnpause: Handler<'container_unpause'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const rt = runtimeOf(ctx);
  const id = store.get(job.args.name).Id;
  await rt.locked(id, async () => {
    const c = store.get(id);
    const h = rt.handle(id);
    if (!c.State.Paused || !h) throw new System(`Container ${id} is not paused`);
    try {
      await h.resume();
    } catch (err) {
      throw new System(`Cannot unpause container ${id}: ${(err as Error).message}`, { cause: err });
    }
    store.transition(c, 'running');
    publish(ctx, c, 'unpause');
  });
};
