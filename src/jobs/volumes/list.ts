import type { Handler } from '../context.js';
import { volumesOf } from './common.js';
import { listFilter } from './filters.js';

/** `GET /volumes`: `{Volumes, Warnings}`, sorted by name; dangling = no container references it. */
export const volumeList: Handler<'volume_list'> = async (job, ctx) => {
  const volumes = volumesOf(ctx);
  const match = listFilter(job.args.filters);
  return { Volumes: volumes.list().filter((v) => match(v, volumes.users(v.Name).length > 0)), Warnings: null };
};
