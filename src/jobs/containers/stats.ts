import { setTimeout as sleep } from 'node:timers/promises';
import type { Handler, JobContext } from '../context.js';
import { sendHead } from '../io.js';
import { containersOf } from './common.js';
import { runtimeOf } from './runtime.js';
import './runtime-types.js';
import { networkStats } from './stats-networks.js';
import { legacyStatsJson, NO_PREVIOUS, nowRfc3339Nano, previousOf, statsJson, type StatsSample } from './stats-json.js';

/** dockerd's stats collector reads every container once a second. */
const INTERVAL_MS = 1000;

/**
 * `GET /containers/{id}/stats?stream=&one-shot=`, as dockerd 20.10's ContainerStats:
 *  - stream (the default): one object a second, each carrying the previous reading
 *    as precpu_stats, until the client leaves or the container is removed; while
 *    the container does not run the objects are the zero value;
 *  - stream=0: one object, after a first reading that only primes precpu_stats (so
 *    that `docker stats --no-stream` shows a real CPU %); with one-shot, the first
 *    reading at once and no precpu;
 *  - stream=0 of a container that does not run: the zero value at once.
 */
export const containerStats: Handler<'container_stats'> = async (job, ctx) => {
  const store = containersOf(ctx);
  const c = store.get(job.args.name);
  const out = job.stdout;
  if (!out) throw new Error('container_stats needs a stdout to stream to');
  const { stream, oneShot, legacy } = job.args;
  // dockerd answers this case before looking at the API version: always the 1.21 shape.
  if (!stream && (!c.State.Running || c.State.Restarting)) {
    out.end(`${JSON.stringify(statsJson(c, null, NO_PREVIOUS))}\n`);
    return;
  }
  // A stream's head goes out at once, as dockerd flushes it before the first reading.
  if (stream) sendHead(out);
  let prev = NO_PREVIOUS;
  let priming = !stream && !oneShot;
  for (;;) {
    if (job.signal.aborted) return;
    const current = statsJson(c, await sample(ctx, c.Id), prev);
    prev = previousOf(current);
    const json = legacy ? legacyStatsJson(current) : current;
    if (priming) {
      priming = false;
    } else if (!stream) {
      out.end(`${JSON.stringify(json)}\n`);
      return;
    } else {
      if (out.destroyed) return;
      out.write(`${JSON.stringify(json)}\n`);
    }
    try {
      await sleep(INTERVAL_MS, undefined, { signal: job.signal });
    } catch {
      return; // the client went away or the daemon stops
    }
    // dockerd ends the stream once the container is removed.
    if (!store.find(c.Id)) return;
  }
};

/** One reading of the container's cgroup; null when it does not run (or stopped meanwhile). */
async function sample(ctx: JobContext, id: string): Promise<StatsSample | null> {
  const c = containersOf(ctx).find(id);
  const h = runtimeOf(ctx).handle(id);
  if (!c || !h || !c.State.Running || c.State.Restarting) return null;
  try {
    const stats = await h.stats();
    const networks = await networkStats(h.pid, String(c.HostConfig.NetworkMode ?? ''));
    return { read: nowRfc3339Nano(), stats, ...(networks ? { networks } : {}) };
  } catch (err) {
    ctx.log.debug(`stats of container ${id}: ${(err as Error).message}`);
    return null;
  }
}
