import type { ContainerHandle, ExitStatus } from '../../drivers/execdriver/types.js';
import type { JobContext } from '../context.js';
import { exitedWhileAway } from './boot-exits.js';
import { containersOf, publish } from './common.js';
import { publishUnmounts } from './mounts.js';
import { removeContainer } from './remove.js';
import { forgetBackoff, restartDelay, shouldRestart } from './restart-policy.js';
import { runtimeOf } from './runtime.js';
import { startContainer } from './run.js';

/**
 * A container's process has exited: release what its run held (shim, cgroup, the
 * rootfs mount), record `exited` with dockerd's fields, tell `wait` and the event
 * stream, then apply the restart policy or `--rm`. Runs without the container's lock
 * (stop and kill hold it while they wait for this), and tolerates a record that a
 * concurrent rm has removed.
 */
export async function recordExit(ctx: JobContext, id: string, handle: ContainerHandle, status: ExitStatus, startedMs: number): Promise<void> {
  // dockerd logs `die` before the network's `disconnect` and the volumes' `unmount`:
  // those are kept back until it is out (or until we return without one).
  const release = ctx.events.hold((e) => e.Type === 'network' && e.attributes?.['container'] === id);
  try {
    await recordExitHeld(ctx, id, handle, status, startedMs, release);
  } finally {
    release();
  }
}

async function recordExitHeld(ctx: JobContext, id: string, handle: ContainerHandle, status: ExitStatus, startedMs: number, releaseEvents: () => void): Promise<void> {
  const rt = runtimeOf(ctx);
  const store = containersOf(ctx);
  // Three independent releases, side by side (a `run --rm` waits for all of them): the
  // shim and cgroup, the host's rootfs mount (detached: the container's own mount
  // namespace is not ours to wait for), and the network.
  await Promise.all([
    handle.cleanup().catch((e: Error) => ctx.log.warn(`container ${id}: releasing its shim: ${e.message}`)),
    ctx.graph.driver.put(id).catch((e: Error) => ctx.log.warn(`container ${id}: unmounting its rootfs: ${e.message}`)),
    ctx.network?.release(id).catch((e: Error) => ctx.log.warn(`container ${id}: releasing its network: ${e.message}`)),
  ]);
  rt.forget(id);
  const c = store.find(id);
  if (!c) return;
  store.transition(c, 'exited', { Pid: 0, ExitCode: status.exitCode, FinishedAt: status.finishedAt, OOMKilled: status.oomKilled });
  const away = exitedWhileAway(id, status.finishedAt);
  if (!away) {
    if (status.oomKilled) publish(ctx, c, 'oom');
    publish(ctx, c, 'die', { exitCode: String(status.exitCode) });
  }
  releaseEvents();
  publishUnmounts(ctx, c);
  rt.notifyExit(id, { exitCode: status.exitCode, removed: false });
  if (rt.shuttingDown) return;

  if (away && shouldRestart(c, status.exitCode)) {
    // As dockerd's restore: started at once by a fresh restart manager (count 0).
    await rt.locked(id, async () => {
      const now = store.find(id);
      if (!now || now.State.Running) return;
      now.RestartCount = 0;
      forgetBackoff(id);
      await startContainer(ctx, now);
    }).catch((err: Error) => ctx.log.error(`container ${id}: restart at boot failed: ${err.message}`));
    return;
  }
  if (shouldRestart(c, status.exitCode)) {
    const delay = restartDelay(c, Date.now() - startedMs);
    store.transition(c, 'restarting');
    rt.scheduleRestart(id, delay, () => {
      void rt.locked(id, async () => {
        const now = store.find(id);
        if (!now || now.State.Status !== 'restarting') return;
        now.RestartCount += 1;
        try {
          await startContainer(ctx, now);
        } catch (err) {
          ctx.log.error(`container ${id}: restart failed: ${(err as Error).message}`);
          store.transition(now, 'exited');
        }
      });
    });
    return;
  }
  if (c.HostConfig.AutoRemove) {
    // Not awaited: this promise is the one `rt.exited` hands to stop, kill and rm -f,
    // which wait for it holding the container's lock that the removal takes; awaited,
    // `docker stop` or `rm -f` of a running --rm container never returned.
    void removeContainer(ctx, c.Id, { force: false, removeVolumes: true })
      .catch((e: Error) => ctx.log.error(`container ${id}: auto-removal failed: ${e.message}`));
  }
}
