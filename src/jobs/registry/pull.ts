import { InvalidParameter } from '../../engine/errors.js';
import { familiar, familiarName, isDigest, parseNamed, withTag, type Reference } from '../../graph/reference.js';
import { pull, type Pulled } from '../../graph/registry/pull.js';
import type { Handler, JobContext } from '../context.js';
import { registrySettings, tokenCache } from './service.js';

/**
 * The reference to pull from `fromImage` and `tag`, as dockerd's postImagesCreate:
 * a trailing `:` is dropped (old `pull -a`), a `tag` that parses as a digest makes a
 * digest reference, and a bare name with no tag means all tags.
 */
export function pullReference(image: string, tag: string): Reference {
  const ref = parseNamed(image.replace(/:$/, ''));
  if (!tag) return ref;
  if (isDigest(tag)) return { repo: ref.repo, digest: tag };
  return withTag(ref, tag);
}

/**
 * `docker pull`: streams dockerd's progress messages; each pulled reference gets a
 * `pull` event (id: the familiar reference, name: the familiar repository).
 */
export const imagePull: Handler<'image_pull'> = async (job, ctx) => {
  const { image, tag, platform, auth } = job.args;
  if (!image) throw new InvalidParameter('either fromSrc or fromImage must be given');
  const ref = pullReference(image, tag);
  const pulled = await pull(ctx.graph, {
    ref,
    platform,
    creds: auth,
    settings: registrySettings(ctx),
    tokens: tokenCache(ctx),
    maxConcurrentDownloads: ctx.config.maxConcurrentDownloads || 3,
    out: job.stdout,
    signal: job.signal,
  });
  publishPulled(ctx, pulled);
};

/** A `pull` event per reference pulled (id: the familiar reference, name: the familiar repository). */
export function publishPulled(ctx: JobContext, pulled: readonly Pulled[]): void {
  for (const p of pulled) {
    const labels = p.image.config.config?.Labels ?? {};
    ctx.events.publish({ Type: 'image', Action: 'pull', id: familiar(p.ref), attributes: { ...labels, name: familiarName(p.ref.repo) } });
  }
}
