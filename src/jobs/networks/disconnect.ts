import { disconnect } from '../../network/ops.js';
import { containersOf } from '../containers/common.js';
import type { Handler } from '../context.js';
import { networksOf } from './common.js';

/** `POST /networks/{id}/disconnect`, under the container's lock; a running one leaves at once. */
export const networkDisconnect: Handler<'network_disconnect'> = async (job, ctx) => {
  const ctl = networksOf(ctx);
  const c0 = containersOf(ctx).get(job.args.container);
  const n = ctl.get(job.args.name);
  const body = async (): Promise<void> => {
    const c = containersOf(ctx).get(c0.Id);
    const h = c.State.Running ? ctx.runtime?.handle(c.Id) : undefined;
    await disconnect(ctl, n, c, h ? h.pid : null);
  };
  return ctx.runtime ? ctx.runtime.locked(c0.Id, body) : body();
};
