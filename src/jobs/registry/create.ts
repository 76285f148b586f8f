import { Job } from '../../engine/job.js';
import type { Handler } from '../context.js';
import { imageImport } from '../images/import.js';
import { imagePull } from './pull.js';

/**
 * `POST /images/create` is dockerd's one call for pull and import; the route knows
 * which by the query (`fromImage` wins, as in dockerd) and this job runs that
 * area's handler with the same streams and signal.
 */
export const imageCreate: Handler<'image_create'> = async (job, ctx) => {
  const io = { stdin: job.stdin ?? undefined, stdout: job.stdout ?? undefined, signal: job.signal };
  if ('pull' in job.args) await imagePull(new Job('image_pull', job.args.pull, io, job.signal), ctx);
  else await imageImport(new Job('image_import', job.args.import, io, job.signal), ctx);
};
