import type { Handler } from '../context.js';
import { volumesOf } from './common.js';

/** `DELETE /volumes/{name}`: 409 while a container (even a stopped one) references it. */
export const volumeDelete: Handler<'volume_delete'> = async (job, ctx) => {
  await volumesOf(ctx).remove(job.args.name, { force: job.args.force });
};
