import { Conflict, InvalidParameter, NotFound } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containersOf, publish } from './common.js';
import { resumeAfterSignal } from './resume-after-signal.js';
import { runtimeOf } from './runtime.js';
import { parseSignal, validSignal } from './signals.js';

const SIGKILL = 9;

/**
 * `POST /containers/{id}/kill?signal=S`: dockerd's 409 when it is not running; a
 * SIGKILL waits for the exit to be recorded, as dockerd's does, so that an
 * `inspect` right after shows it exited.
 */
export const containerKill: Handler<'container_kill'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const rt = runtimeOf(ctx);
  const sig = parseSignal(job.args.signal || 'KILL');
  let id: string;
  try {
    id = store.get(job.args.name).Id;
  } catch (err) {
    // dockerd's kill route wraps every error of the kill, a missing container's too.
    if (err instanceof NotFound) throw new NotFound(`Cannot kill container: ${job.args.name}: ${err.message}`, { cause: err });
    throw err;
  }
  if (!validSignal(sig)) {
    // dockerd holds the signal as a uint64: -5 shows as 18446744073709551611.
    const shown = sig < 0 ? (2n ** 64n + BigInt(sig)).toString() : String(sig);
    throw new InvalidParameter(`Cannot kill container: ${job.args.name}: The linux daemon does not support signal ${shown}`);
  }
  await rt.locked(id, async () => {
    const c = store.get(id);
    const h = rt.handle(id);
    if (!c.State.Running || !h) {
      if (c.State.Restarting && rt.cancelRestart(id)) {
        c.ManuallyStopped = true;
        store.transition(c, 'exited');
        return;
      }
      throw new Conflict(`Cannot kill container: ${job.args.name}: Container ${id} is not running`);
    }
    c.ManuallyStopped = true;
    store.save(c);
    publish(ctx, c, 'kill', { signal: String(sig) });
    await h.signal(sig);
    await resumeAfterSignal(ctx, c, h, sig);
    if (sig === SIGKILL) await rt.exited(id);
  });
};
