import type { ContainerHandle } from '../../drivers/execdriver/types.js';
import type { JobContext } from '../context.js';
import { containersOf, publish } from './common.js';
import { stopSignalOf } from './signals.js';
import type { ContainerRecord } from './types.js';

const SIGKILL = 9;

/**
 * As dockerd's killWithSignal: a paused container that gets a signal meant to end it
 * (its configured stop signal or SIGKILL; any signal when it has no StopSignal) is
 * resumed right after, so its process acts on it at once (`docker stop` of a paused
 * container that handles TERM exits with its own code instead of waiting for the
 * SIGKILL). The record shows it running again with the `unpause` event dockerd's
 * monitor logs on that resume. Called under the container's lock.
 */
export async function resumeAfterSignal(ctx: JobContext, c: ContainerRecord, h: ContainerHandle, sig: number): Promise<void> {
  if (!c.State.Paused) return;
  const configured = typeof c.Config.StopSignal === 'string' ? c.Config.StopSignal : '';
  if (configured && sig !== SIGKILL && sig !== stopSignalOf(configured)) return;
  try {
    await h.resume();
  } catch (err) {
    ctx.log.warn(`Cannot unpause container ${c.Id}: ${(err as Error).message}`);
    return;
  }
  // The exit may already be recorded (the record is shared): then it stays exited.
  if (c.State.Paused) {
    containersOf(ctx).transition(c, 'running');
    publish(ctx, c, 'unpause');
  }
}
