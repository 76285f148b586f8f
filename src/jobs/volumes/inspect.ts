import type { Handler } from '../context.js';
import { volumesOf } from './common.js';

/** `GET /volumes/{name}`. */
export const volumeInspect: Handler<'volume_inspect'> = async (job, ctx) => volumesOf(ctx).get(job.args.name);
