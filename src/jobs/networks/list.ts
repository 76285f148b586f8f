import { networkResource } from '../../network/view.js';
import type { Handler } from '../context.js';
import { networksOf } from './common.js';
import { listFilter } from './filters.js';

/** `GET /networks`: the matching networks (Containers left empty, as dockerd 20.10 lists them). */
export const networkList: Handler<'network_list'> = async (job, ctx) => {
  const ctl = networksOf(ctx);
  const match = listFilter(ctl, job.args.filters);
  return ctl.all().filter(match).map((n) => networkResource(ctl, n, false));
};
