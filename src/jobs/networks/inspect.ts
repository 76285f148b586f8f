import { NotFound } from '../../engine/errors.js';
import { networkResource } from '../../network/view.js';
import type { Handler } from '../context.js';
import { networksOf } from './common.js';

/** `GET /networks/{id}`: with its containers' endpoints; only the `local` scope exists. */
export const networkInspect: Handler<'network_inspect'> = async (job, ctx) => {
  const ctl = networksOf(ctx);
  const { name, scope } = job.args;
  if (scope && scope !== 'local') throw new NotFound(`network ${name} not found`);
  return networkResource(ctl, ctl.get(name), true);
};
