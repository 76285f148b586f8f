import { InvalidParameter } from '../../engine/errors.js';
import { applyChanges } from '../../graph/archive/changes.js';
import { familiar, parseNamed, withTag, type Reference } from '../../graph/reference.js';
import type { LayerRecord } from '../../graph/types.js';
import type { Handler, JobContext } from '../context.js';
import { apiContainerConfig, imageEvent } from '../images/common.js';
import { underLock } from './archive-rootfs.js';
import { commitImageConfig, mergeCommitConfig } from './commit-config.js';
import { containersOf, publish } from './common.js';
import { checkUsable } from './export.js';
import type { ContainerRecord } from './types.js';

/** The tag to give the image (`repo`, `repo` + `tag`), checked before anything is written. */
function targetRef(repo: string, tag: string): Reference | null {
  if (repo === '') return null;
  const ref = parseNamed(repo);
  if (tag !== '') return withTag(ref, tag);
  if (ref.digest !== undefined) throw new InvalidParameter('refusing to create a tag with a digest reference');
  return ref;
}

/**
 * The container's RW layer (its changes over the `-init` layer) as a new layer on
 * the image's top layer; null when it changed nothing, which dockerd records as an
 * empty layer: no diffID in the rootfs, `empty_layer` in the history.
 */
async function rwLayer(ctx: JobContext, c: ContainerRecord): Promise<LayerRecord | null> {
  const { driver } = ctx.graph;
  if ((await driver.changes(c.Id)).length === 0) return null;
  return ctx.graph.createLayer(c.ImageTopLayer, await driver.diff(c.Id));
}

/**
 * Pause a running container around `fn` as dockerd's commit does: the state shows
 * paused, and the events read pause, commit, unpause. A container that exits
 * meanwhile is left to its exit handling.
 */
async function paused<T>(ctx: JobContext, record: ContainerRecord, fn: () => Promise<T>): Promise<T> {
  const c = ctx.containers?.find(record.Id) ?? record;
  const handle = c.State.Running && !c.State.Paused ? ctx.runtime?.handle(c.Id) : undefined;
  if (!handle) return fn();
  const store = containersOf(ctx);
  try {
    await handle.pause();
  } catch (err) {
    // dockerd's commit ignores a failed pause: a container exiting right now takes its
    // freezer cgroup with it (ENOENT), and its changes are committed all the same.
    ctx.log.debug(`commit ${c.Id}: not paused: ${(err as Error).message}`);
    return fn();
  }
  store.transition(c, 'paused');
  publish(ctx, c, 'pause');
  try {
    return await fn();
  } finally {
    // As dockerd's deferred unpause, whose error is dropped: one that exited while paused has nothing to thaw.
    const resumed = c.State.Status === 'paused' && await handle.resume().then(() => true, () => false);
    if (resumed && c.State.Status === 'paused') {
      store.transition(c, 'running');
      publish(ctx, c, 'unpause');
    }
  }
}

/**
 * `POST /commit?container=`: a new image from the container's changes. Its config is
 * the request body's (or the container's own), edited by the `changes`, with unset
 * fields from the container's config; tagged `repo:tag` when asked.
 */
export const containerCommit: Handler<'container_commit'> = async (job, ctx) => {
  const a = job.args;
  const c = containersOf(ctx).get(a.container);
  checkUsable(c, 'commit');
  const ref = targetRef(a.repo, a.tag);
  const userConfig = a.config ? apiContainerConfig(a.config) : structuredClone(c.Config);
  const config = mergeCommitConfig(applyChanges(userConfig, a.changes), c.Config);
  const parent = ctx.graph.getImage(c.Image);
  return underLock(ctx, c.Id, async () => {
    const commit = async (): Promise<{ Id: string }> => {
      const layer = await rwLayer(ctx, c);
      const bytes = commitImageConfig({
        parent: parent.config, config, containerConfig: c.Config, containerId: c.Id,
        author: a.author, comment: a.comment, diffId: layer?.diffId ?? null,
      });
      let id: string;
      try {
        id = ctx.graph.createImage(bytes, { parent: parent.id }).id;
      } catch (err) {
        if (layer) await ctx.graph.releaseLayer(layer.chainId, [layer.chainId]).catch(() => undefined);
        throw err;
      }
      let imageRef = '';
      if (ref) {
        ctx.graph.tag(id, ref);
        imageRef = familiar(ref);
        imageEvent(ctx, 'tag', id, imageRef);
      }
      publish(ctx, c, 'commit', { comment: a.comment, imageID: id, imageRef });
      return { Id: id };
    };
    return a.pause ? paused(ctx, c, commit) : commit();
  });
};
