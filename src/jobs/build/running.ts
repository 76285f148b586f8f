import type { JobContext } from '../context.js';

/**
 * Builds in flight by the `buildid` their client gave (`POST /build?buildid=`), per
 * daemon, so `POST /build/cancel?id=` can stop one. A build without an id is not
 * listed: only its own client, by going away, ends it.
 */
const byDaemon = new WeakMap<JobContext, Map<string, AbortController>>();

/**
 * The build's signal: `job` (its client gone, the daemon stopping) or a cancel of
 * `id`. An id taken by a build still running is shared by both. Combined by hand:
 * Node 20's AbortSignal.any holds its sources weakly, and a combined signal only
 * listened to can be collected before it fires.
 */
export function trackBuild(ctx: JobContext, id: string, job: AbortSignal): { signal: AbortSignal; done(): void } {
  if (!id) return { signal: job, done: () => {} };
  let running = byDaemon.get(ctx);
  if (!running) byDaemon.set(ctx, (running = new Map()));
  const cancel = running.get(id) ?? new AbortController();
  running.set(id, cancel);
  const onJob = (): void => cancel.abort(job.reason);
  if (job.aborted) onJob();
  else job.addEventListener('abort', onJob, { once: true });
  return {
    signal: cancel.signal,
    done: () => {
      job.removeEventListener('abort', onJob);
      if (running.get(id) === cancel) running.delete(id);
    },
  };
}

/** Stop the build with this id; nothing happens when none runs, as in dockerd. */
export function cancelBuild(ctx: JobContext, id: string): void {
  // BuildKit's words for a cancelled build, which the client prints.
  byDaemon.get(ctx)?.get(id)?.abort(new Error('context canceled'));
}
