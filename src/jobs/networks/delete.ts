import { removeNetwork } from '../../network/ops.js';
import type { Handler } from '../context.js';
import { networksOf } from './common.js';

/** `DELETE /networks/{id}`. */
export const networkDelete: Handler<'network_delete'> = async (job, ctx) => {
  const ctl = networksOf(ctx);
  await removeNetwork(ctl, ctl.get(job.args.name));
};
