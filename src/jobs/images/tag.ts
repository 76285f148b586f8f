import type { Handler } from '../context.js';
import { familiar, parseNamed, withTag } from '../../graph/reference.js';
import { InvalidParameter } from '../../engine/errors.js';
import { imageEvent } from './common.js';

/** `POST /images/{name}/tag?repo=&tag=`: point a tag at an image (moving it if it exists). */
export const imageTag: Handler<'image_tag'> = async (job, ctx) => {
  const { name, repo, tag } = job.args;
  const img = ctx.graph.resolve(name);
  // ParseNormalizedNamed of '' is 'invalid reference format' (it parses docker.io/library/).
  let ref = parseNamed(repo === '' ? 'library/' : repo);
  if (ref.digest !== undefined && tag === '') throw new InvalidParameter('refusing to create a tag with a digest reference');
  if (tag !== '') ref = withTag(ref, tag);
  ctx.graph.tag(img.id, ref);
  // dockerd names the reference as given: `mine`, not `mine:latest`.
  imageEvent(ctx, 'tag', img.id, familiar(ref));
};
