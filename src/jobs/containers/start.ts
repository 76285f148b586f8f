import { Conflict, InvalidParameter, NotModified } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containersOf } from './common.js';
import { removeContainer } from './remove.js';
import { forgetBackoff } from './restart-policy.js';
import { startContainer } from './run.js';
import { runtimeOf } from './runtime.js';

/**
 * `POST /containers/{id}/start`: 304 when it runs already, dockerd's 409s for a
 * paused or removing one; otherwise start it under its lock. A `--rm` container whose
 * process cannot start is removed, as dockerd does (the CLI waits for the removal).
 */
export const containerStart: Handler<'container_start'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const rt = runtimeOf(ctx);
  const id = store.get(job.args.name).Id;
  if (job.args.hostConfig) {
    // API < 1.24 passed HostConfig here; dockerd 20.10 refuses it for 1.24 and later.
    throw new InvalidParameter('starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24');
  }
  let startFailed = false;
  try {
    await rt.locked(id, async () => {
      const c = store.get(id);
      if (c.State.Paused) throw new Conflict('cannot start a paused container, try unpause instead');
      if (c.State.Running && !c.State.Restarting) throw new NotModified('container already started');
      if (c.State.Status === 'removing' || c.State.Status === 'dead') {
        throw new Conflict('container is marked for removal and cannot be started');
      }
      rt.cancelRestart(id);
      if (c.State.Restarting) store.transition(c, 'exited');
      // A start from the API resets the restart manager, as dockerd's containerStart.
      c.RestartCount = 0;
      forgetBackoff(id);
      startFailed = true;
      await startContainer(ctx, c);
      startFailed = false;
    });
  } catch (err) {
    if (startFailed && store.find(id)?.HostConfig.AutoRemove) {
      await removeContainer(ctx, id, { force: true, removeVolumes: true })
        .catch((e: Error) => ctx.log.warn(`container ${id}: auto-removal after a failed start: ${e.message}`));
    }
    throw err;
  }
};
