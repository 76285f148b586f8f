import { NotFound } from '../../engine/errors.js';
import { disconnect } from '../../network/ops.js';
import { containersOf } from '../containers/common.js';
import { underContainerLock } from '../containers/runtime.js';
import type { Handler } from '../context.js';
import { networksOf } from './common.js';

/** `POST /networks/{id}/disconnect`, under the container's lock; a running one leaves at once. */
export const networkDisconnect: Handler<'network_disconnect'> = async (job, ctx) => {
  const ctl = networksOf(ctx);
  if (job.args.force && !containersOf(ctx).find(job.args.container)) {
    // dockerd's ForceEndpointDelete: a gone container's endpoint is looked up by name.
    ctl.get(job.args.name);
    throw new NotFound(`endpoint ${job.args.container} not found`);
  }
  containersOf(ctx).get(job.args.container); // an unknown container is the first 404, as dockerd
  const n = ctl.get(job.args.name);
  await underContainerLock(ctx, job.args.container, async (c, h) => {
    await disconnect(ctl, n, c, h ? h.pid : null);
    if (ctl.records.endpointsOf(c.Id).length === 0 && !c.LeftAllNetworks) {
      c.LeftAllNetworks = true;
      containersOf(ctx).save(c);
    }
  });
};
