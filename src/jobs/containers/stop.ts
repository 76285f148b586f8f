import { NotModified } from '../../engine/errors.js';
import type { JobContext } from '../context.js';
import type { Handler } from '../context.js';
import { containersOf, publish } from './common.js';
import { resumeAfterSignal } from './resume-after-signal.js';
import { runtimeOf } from './runtime.js';
import { stopSignalOf } from './signals.js';
import type { ContainerRecord } from './types.js';

const SIGKILL = 9;
const DEFAULT_STOP_TIMEOUT = 10;

/**
 * Stop a running container as dockerd does: its stop signal, then SIGKILL once the
 * timeout (seconds; -1 waits for ever) has passed, then wait for the exit to be
 * recorded. A pending restart is cancelled. The caller holds the lock.
 * Returns false when there was nothing to stop.
 */
export async function stopContainer(ctx: JobContext, c: ContainerRecord, timeout: number | null): Promise<boolean> {
  const rt = runtimeOf(ctx);
  const store = containersOf(ctx);
  c.ManuallyStopped = true;
  store.save(c);
  if (rt.cancelRestart(c.Id) || c.State.Restarting) {
    if (c.State.Restarting) store.transition(c, 'exited');
    return true;
  }
  const h = rt.handle(c.Id);
  if (!c.State.Running || !h) return false;
  const secs = timeout ?? (typeof c.Config['StopTimeout'] === 'number' ? c.Config['StopTimeout'] : DEFAULT_STOP_TIMEOUT);
  const sig = stopSignalOf(c.Config.StopSignal);
  publish(ctx, c, 'kill', { signal: String(sig) });
  await h.signal(sig);
  await resumeAfterSignal(ctx, c, h, sig);
  const exited = rt.exited(c.Id);
  if (secs >= 0) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), secs * 1000); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      ctx.log.info(`Container ${c.Id} failed to exit within ${secs} seconds of signal ${sig} - using the force`);
      publish(ctx, c, 'kill', { signal: String(SIGKILL) });
      await h.signal(SIGKILL);
      // A frozen process takes a signal only once thawed.
      if (c.State.Paused) await h.resume().catch(() => undefined);
    }
  }
  await exited;
  return true;
}

/** `POST /containers/{id}/stop?t=N`: 304 when it is not running. */
export const containerStop: Handler<'container_stop'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const id = store.get(job.args.name).Id;
  await runtimeOf(ctx).locked(id, async () => {
    const c = store.get(id);
    if (!(await stopContainer(ctx, c, job.args.timeout))) throw new NotModified('container already stopped');
    publish(ctx, c, 'stop');
  });
};
