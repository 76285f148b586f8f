import { InvalidParameter } from '../../engine/errors.js';
import type { Handler } from '../context.js';
import { cancelBuild } from './running.js';

/**
 * `POST /build/cancel?id=`: stop the build its client started with that `buildid`.
 * dockerd hands the id to BuildKit, which stops its own build of that id and answers
 * 200 for any other, so does this for berth's builds; an empty id is refused in
 * dockerd's words (a 500 there, a 400 here).
 */
export const buildCancel: Handler<'build_cancel'> = async (job, ctx) => {
  if (!job.args.id) throw new InvalidParameter('build ID not provided');
  cancelBuild(ctx, job.args.id);
};
