import { connect } from '../../network/ops.js';
import { containersOf } from '../containers/common.js';
import { underContainerLock } from '../containers/runtime.js';
import type { Handler } from '../context.js';
import { networksOf } from './common.js';

/**
 * `POST /networks/{id}/connect`: under the container's lock, so a start or stop
 * does not run in between; a running container is plugged at once.
 */
export const networkConnect: Handler<'network_connect'> = async (job, ctx) => {
  const ctl = networksOf(ctx);
  containersOf(ctx).get(job.args.container); // an unknown container is the first 404, as dockerd
  const n = ctl.get(job.args.name);
  await underContainerLock(ctx, job.args.container, async (c, h) => {
    await connect(ctl, n, c, job.args.endpoint, h ? h.pid : null);
    if (c.LeftAllNetworks) {
      delete c.LeftAllNetworks;
      containersOf(ctx).save(c);
    }
  });
};
