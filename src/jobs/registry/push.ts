import { familiar, familiarName, parseNamed, withTag } from '../../graph/reference.js';
import { push } from '../../graph/registry/push.js';
import type { Handler } from '../context.js';
import { registrySettings, tokenCache } from './service.js';

/**
 * `docker push`: the reference from the path and `tag` (a bad one is a 400 before
 * any output, as dockerd's), then dockerd's progress stream; a `push` event once
 * every tag is up (id: the familiar reference, name: the familiar repository).
 */
export const imagePush: Handler<'image_push'> = async (job, ctx) => {
  const { name, tag, auth } = job.args;
  let ref = parseNamed(name);
  if (tag) ref = withTag(ref, tag);
  const pushed = await push(ctx.graph, {
    ref,
    creds: auth,
    settings: registrySettings(ctx),
    tokens: tokenCache(ctx),
    maxConcurrentUploads: ctx.config.maxConcurrentUploads || 5,
    out: job.stdout,
    signal: job.signal,
  });
  const labels = pushed[0]?.image.config.config?.Labels ?? {};
  ctx.events.publish({ Type: 'image', Action: 'push', id: familiar(ref), attributes: { ...labels, name: familiarName(ref.repo) } });
};
