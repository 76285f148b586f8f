import { NotFound, System } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { activeExec } from './registry.js';

/** dockerd waits this long for the exec's process before it gives up on a resize. */
const READY_TIMEOUT_MS = 10_000;

/**
 * `POST /exec/{id}/resize?h=&w=`: the exec's pty size. The CLI sends it right after
 * the start, possibly before the process runs, so it waits for the start as dockerd
 * does; once the process is gone the runtime knows the exec no more (dockerd's 404).
 */
export const execResize: Handler<'exec_resize'> = async (job, ctx) => {
  const { rec } = activeExec(ctx, job.args.id);
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    rec.started.then(() => true),
    new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS); }),
  ]).finally(() => clearTimeout(timer));
  if (!ready) throw new System('timeout waiting for exec session ready');
  // The stream ends only once the process has exited, before its exit is recorded (start.ts).
  // containerd's words, which dockerd passes on.
  if (!rec.handle || !rec.running || rec.streamEnded) throw new NotFound(`process does not exist ${rec.id}: not found`);
  await rec.handle.resize(job.args.width, job.args.height);
};
