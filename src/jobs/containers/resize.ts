import { Conflict } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { containersOf } from './common.js';
import { runtimeOf } from './runtime.js';

/** `POST /containers/{id}/resize?h=&w=`: the pty's size (the CLI sends it after start and on SIGWINCH). */
export const containerResize: Handler<'container_resize'> = async (job, ctx) => {
  const c = containersOf(ctx).get(job.args.name);
  const h = runtimeOf(ctx).handle(c.Id);
  if (!c.State.Running || !h) throw new Conflict(`Container ${c.Id} is not running`);
  await h.resize(job.args.width, job.args.height);
};
