import { rm } from 'node:fs/promises';
import { Conflict } from '../../engine/errors.js';
import type { JobContext } from '../context.js';
import { containerDir, containersOf, publish, removeRwLayer } from './common.js';
import { releaseMounts } from './mounts.js';
import { removeLink } from './links.js';
import { forgetBackoff } from './restart-policy.js';

export interface RemoveOptions {
  force: boolean;
  removeVolumes: boolean;
  link?: boolean;
}

const SIGKILL = 9;

/**
 * Remove a container as dockerd's ContainerRm: a running one only when forced
 * (killed first), never twice at once; then its RW layers, bundle, files and row.
 * Holds the container's lock, so no start or stop runs in between.
 */
export async function removeContainer(ctx: JobContext, ref: string, opts: RemoveOptions): Promise<void> {
  const store = containersOf(ctx);
  const id = store.get(ref).Id;
  const rt = ctx.runtime;
  const body = async (): Promise<void> => {
    const c = store.find(id);
    if (!c) return; // removed meanwhile (an auto-remove racing an rm)
    if (c.State.Status === 'removing') throw new Conflict(`removal of container ${c.Id} is already in progress`);
    if (opts.link) return removeLink(ctx, ref);
    if (c.State.Running) {
      if (!opts.force) {
        const what = c.State.Paused ? 'paused' : c.State.Restarting ? 'restarting' : 'running';
        const how = c.State.Paused ? 'Unpause and then stop' : 'Stop';
        throw new Conflict(`You cannot remove a ${what} container ${c.Id}. ${how} the container before attempting removal or force remove`);
      }
      c.ManuallyStopped = true;
      store.save(c);
      rt?.cancelRestart(c.Id);
      const h = rt?.handle(c.Id);
      if (h) {
        await h.signal(SIGKILL);
        // dockerd's rm -f goes through its Kill, which announces the signal as `kill` does.
        publish(ctx, c, 'kill', { signal: String(SIGKILL) });
        if (c.State.Paused) await h.resume().catch(() => undefined);
        await rt!.exited(c.Id);
      }
      rt?.cancelRestart(c.Id);
      if (c.State.Status === 'restarting') store.transition(c, 'exited');
    }
    const before = c.State.Status;
    store.transition(c, 'removing');
    try {
      await removeRwLayer(ctx, c.Id);
      await rt?.driver.remove(c.Id);
      await rm(containerDir(ctx, c.Id), { recursive: true, force: true });
    } catch (err) {
      // dockerd leaves such a container `dead`; berth puts it back so that rm can be retried.
      c.State.Status = before;
      store.save(c);
      throw new Conflict(`unable to remove filesystem for ${c.Id}: ${(err as Error).message}`, { cause: err });
    }
    await ctx.network?.forget(c.Id).catch((e: Error) => ctx.log.warn(`container ${c.Id}: removing its endpoints: ${e.message}`));
    store.delete(c.Id);
    await releaseMounts(ctx, c, opts.removeVolumes);
    forgetBackoff(c.Id);
    publish(ctx, c, 'destroy');
    rt?.notifyExit(c.Id, { exitCode: c.State.ExitCode, removed: true });
    // Clients attached and waiting for a start that will never come: their streams end.
    for (const a of rt?.takeAttaches(c.Id) ?? []) a.onStream(null);
  };
  return rt ? rt.locked(id, body) : body();
}
