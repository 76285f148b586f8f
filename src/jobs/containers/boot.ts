import type { ContainerHandle } from '../../drivers/execdriver/types.js';
import type { JobContext } from '../context.js';
import { markRestored } from './boot-exits.js';
import { containersOf } from './common.js';
import { removeContainer } from './remove.js';
import { forgetBackoff, restartsAtBoot } from './restart-policy.js';
import { startContainer, watch } from './run.js';
import { runtimeOf } from './runtime.js';
import { stopContainer } from './stop.js';

/**
 * At daemon start: containers the records say run are found again through their
 * shims (a live restore: they kept running while the daemon was away; an exit that
 * happened meanwhile is recorded at once); the others are marked exited. Bundles of
 * containers that are gone are removed. Then the restart policies bring back what
 * they should, as dockerd does at boot.
 */
export async function restoreContainers(ctx: JobContext): Promise<void> {
  const store = containersOf(ctx);
  const rt = runtimeOf(ctx);
  const bootMs = Date.now();
  const live = new Set<string>();
  const restored: Array<[string, ContainerHandle]> = [];
  for (const c of store.all()) {
    if (c.State.Status === 'removing') {
      // A removal cut short by a crash: rm can be retried.
      store.transition(c, 'dead');
      continue;
    }
    if (!c.State.Running) continue;
    const h = c.State.Restarting ? null : await rt.driver.restore(c.Id).catch((err: Error) => {
      ctx.log.warn(`container ${c.Id}: cannot reconnect to it: ${err.message}`);
      return null;
    });
    if (!h) {
      store.transition(c, 'exited', { Pid: 0, ExitCode: c.State.Restarting ? c.State.ExitCode : 255, FinishedAt: new Date().toISOString() });
      continue;
    }
    // Take the rootfs reference the run holds (the mount itself survived the daemon).
    await ctx.graph.driver.get(c.Id);
    live.add(c.Id);
    restored.push([c.Id, h]);
    ctx.log.info(`container ${c.Id}: restored (pid ${h.pid})`);
  }
  // Live endpoints keep their links; those of containers that no longer run go. Done
  // before any exit is processed: a container that exited while the daemon was away
  // is found again, its endpoints restored, and only then released by its exit (the
  // other order put its port rules back after the exit had removed them).
  await ctx.network?.restore(new Map(restored.map(([id, h]) => [id, h.pid])));
  for (const [id, h] of restored) {
    markRestored(id, bootMs);
    watch(ctx, id, h, true);
  }
  for (const id of await rt.driver.list()) {
    if (!live.has(id)) await rt.driver.remove(id).catch((err: Error) => ctx.log.warn(`container ${id}: removing its bundle: ${err.message}`));
  }
  // As dockerd: the API serves only once these starts are done, so a client never
  // sees a restart-policy container as exited right after the daemon came up.
  const starts: Promise<void>[] = [];
  for (const c of store.all()) {
    if (c.State.Running) continue;
    if (!restartsAtBoot(c)) {
      // dockerd's restore removes every --rm container it does not restart: those
      // stopped by the last shutdown, and those created but never started.
      if (c.HostConfig.AutoRemove) {
        starts.push(removeContainer(ctx, c.Id, { force: true, removeVolumes: true })
          .catch((err: Error) => { ctx.log.error(`container ${c.Id}: auto-removal at boot failed: ${err.message}`); }));
      }
      continue;
    }
    ctx.log.info(`container ${c.Id}: starting it at boot (restart policy ${c.HostConfig.RestartPolicy?.Name})`);
    starts.push(rt.locked(c.Id, async () => {
      const now = store.find(c.Id);
      if (!now || now.State.Running) return;
      // dockerd starts these with a fresh restart manager: the count starts again at 0.
      now.RestartCount = 0;
      forgetBackoff(now.Id);
      await startContainer(ctx, now);
    }).catch((err: Error) => { ctx.log.error(`container ${c.Id}: restart at boot failed: ${err.message}`); }));
  }
  await Promise.all(starts);
}

/**
 * At daemon shutdown: no restart policy fires any more; without --live-restore every
 * running container is stopped (its stop signal, then SIGKILL after its own stop
 * timeout), as dockerd's shutdownContainer does. --shutdown-timeout does not cut
 * that short: dockerd waits at least each container's timeout plus 5 s, so a
 * `--stop-timeout 60` database gets its 60 s. Returns the ids left running.
 */
export async function shutdownContainers(ctx: JobContext): Promise<Set<string>> {
  const rt = runtimeOf(ctx);
  const store = containersOf(ctx);
  rt.shuttingDown = true;
  rt.cancelAllRestarts();
  if (ctx.config.liveRestore) return new Set(rt.running());
  await Promise.all(rt.running().map((id) => rt.locked(id, async () => {
    const c = store.find(id);
    if (!c) return;
    await stopContainer(ctx, c, null);
    // A shutdown is not the user stopping it: restart policies apply at the next boot.
    c.ManuallyStopped = false;
    store.save(c);
  }).catch((err: Error) => ctx.log.error(`container ${id}: stopping at shutdown: ${err.message}`))));
  return new Set(rt.running());
}
