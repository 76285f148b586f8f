import type { Handler } from '../context.js';
import { containersOf, publish } from './common.js';
import { forgetBackoff } from './restart-policy.js';
import { startContainer } from './run.js';
import { runtimeOf } from './runtime.js';
import { stopContainer } from './stop.js';

/** `POST /containers/{id}/restart?t=N`: stop (if running), then start, under one lock. */
export const containerRestart: Handler<'container_restart'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const id = store.get(job.args.name).Id;
  await runtimeOf(ctx).locked(id, async () => {
    const c = store.get(id);
    if (await stopContainer(ctx, c, job.args.timeout)) publish(ctx, c, 'stop');
    // As dockerd's containerRestart: the start resets the restart manager and its count.
    c.RestartCount = 0;
    forgetBackoff(id);
    await startContainer(ctx, c);
    publish(ctx, c, 'restart');
  });
};
