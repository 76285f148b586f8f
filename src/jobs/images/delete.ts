import type { Handler, JobContext } from '../context.js';
import { Conflict } from '../../engine/errors.js';
import { familiar, parseNamed, parseStored, withDefaultTag, type Reference } from '../../graph/reference.js';
import type { ImageRecord } from '../../graph/types.js';
import type { DeleteItem } from './types.js';
import { imageEvent } from './common.js';

const short = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/**
 * `DELETE /images/{name}`, as dockerd's ImageDelete: by name it untags, and deletes
 * the image only when that was its last reference; by ID it deletes the image (with
 * its references when they all belong to one repository, or with `force`). A deleted
 * image's untagged parents go too unless `noprune`.
 */
export const imageDelete: Handler<'image_delete'> = async (job, ctx) =>
  removeImage(ctx, job.args.name, job.args.force, !job.args.noprune);

/** The rmi logic, shared with prune. */
export async function removeImage(ctx: JobContext, name: string, force: boolean, prune: boolean): Promise<DeleteItem[]> {
  const img = ctx.graph.resolve(name);
  const records: DeleteItem[] = [];
  let refs = refsOf(img);
  const byId = img.id.startsWith(name) || img.id.slice(7).startsWith(name);
  if (!byId) {
    const users = ctx.graph.usedBy(img.id);
    const parsed = normalised(name);
    // Untagging the last name of an image a container uses would leave it dangling:
    // only with force (and then a running container still keeps the image, quietly).
    if (users.length > 0 && refs.length === 1 && !force) {
      throw new Conflict(`conflict: unable to remove repository reference "${name}" (must force) - container ${short(users[0]!.id)} is using its referenced image ${short(img.id)}`);
    }
    untag(ctx, img.id, parsed, records);
    refs = refsOf(ctx.graph.getImage(img.id));
    // Digest references of the same repository go with its last tag.
    if (parsed.digest === undefined && !refs.some((r) => r.digest === undefined && r.repo === parsed.repo)) {
      for (const r of refs.filter((x) => x.digest !== undefined && x.repo === parsed.repo)) untag(ctx, img.id, r, records);
      refs = refsOf(ctx.graph.getImage(img.id));
    }
    if (refs.length > 0) return records;
    await deleteHelper(ctx, img.id, records, force, prune, true);
    return records;
  }
  if (singleRepository(refs)) {
    const err = conflict(ctx, img.id, force ? HARD : HARD | STOPPED);
    if (err) throw err;
    for (const r of refs) untag(ctx, img.id, r, records);
  }
  await deleteHelper(ctx, img.id, records, force, prune, false);
  return records;
}

function refsOf(img: ImageRecord): Reference[] {
  return [...img.tags, ...img.digests].map(parseStored);
}

function normalised(name: string): Reference {
  const r = parseNamed(name);
  return r.digest !== undefined ? { repo: r.repo, digest: r.digest } : withDefaultTag(r);
}

function untag(ctx: JobContext, imageId: string, ref: Reference, records: DeleteItem[]): void {
  ctx.graph.untag(ref);
  records.push({ Untagged: familiar(ref) });
  imageEvent(ctx, 'untag', imageId, imageId);
}

/** dockerd's isSingleReference: at most one tag, and any digests in that tag's repository. */
function singleRepository(refs: Reference[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const tagged = refs.filter((r) => r.digest === undefined);
  if (tagged.length > 1) return false;
  const repos = new Set(refs.filter((r) => r.digest !== undefined).map((r) => r.repo));
  const single = tagged[0] ?? refs[0]!;
  return repos.size === 1 && repos.has(single.repo);
}

// Conflict classes, as dockerd's: hard ones cannot be forced.
const CHILD = 1, RUNNING = 2, REFERENCED = 4, STOPPED = 8;
const HARD = CHILD | RUNNING;
const SOFT = REFERENCED | STOPPED;

class DeleteConflict extends Conflict {
  constructor(imageId: string, readonly hard: boolean, readonly used: boolean, what: string) {
    super(`conflict: unable to delete ${short(imageId)} (${hard ? 'cannot be forced' : 'must be forced'}) - ${what}`);
  }
}

function conflict(ctx: JobContext, imageId: string, mask: number): DeleteConflict | undefined {
  if (mask & CHILD && ctx.graph.children(imageId).length > 0) return new DeleteConflict(imageId, true, false, 'image has dependent child images');
  const users = ctx.graph.usedBy(imageId);
  const running = users.find((u) => u.running);
  if (mask & RUNNING && running) return new DeleteConflict(imageId, true, true, `image is being used by running container ${short(running.id)}`);
  const img = ctx.graph.getImage(imageId);
  if (mask & REFERENCED && img.tags.length + img.digests.length > 0) {
    return new DeleteConflict(imageId, false, false, 'image is referenced in multiple repositories');
  }
  const stopped = users.find((u) => !u.running);
  if (mask & STOPPED && stopped) return new DeleteConflict(imageId, false, true, `image is being used by stopped container ${short(stopped.id)}`);
  return undefined;
}

/** Delete the image (conflicts permitting), then its parent quietly when `prune`. */
async function deleteHelper(ctx: JobContext, imageId: string, records: DeleteItem[], force: boolean, prune: boolean, quiet: boolean): Promise<void> {
  const err = conflict(ctx, imageId, force ? HARD : HARD | SOFT);
  if (err) {
    const img = ctx.graph.getImage(imageId);
    // dockerd's imageIsDangling: no references and no children.
    const dangling = img.tags.length + img.digests.length === 0 && ctx.graph.children(imageId).length === 0;
    // A pruned parent that is tagged, in use or another image's parent simply stays.
    if (quiet && (!dangling || err.used)) return;
    throw err;
  }
  const img = ctx.graph.getImage(imageId);
  for (const r of [...img.tags, ...img.digests]) untag(ctx, imageId, parseStored(r), records);
  const removed = await ctx.graph.deleteImage(imageId);
  imageEvent(ctx, 'delete', imageId, imageId);
  records.push({ Deleted: imageId });
  for (const l of removed) records.push({ Deleted: l.chainId });
  if (prune && img.parent && ctx.graph.findImage(img.parent)) {
    await deleteHelper(ctx, img.parent, records, false, true, true);
  }
}

