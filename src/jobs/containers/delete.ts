import type { Handler } from '../context.js';
import { removeContainer } from './remove.js';

/** `DELETE /containers/{id}` (`docker rm`, `-f`, `-v`). */
export const containerDelete: Handler<'container_delete'> = async (job, ctx) => {
  await removeContainer(ctx, job.args.name, { force: job.args.force, removeVolumes: job.args.volumes, link: job.args.link });
};
